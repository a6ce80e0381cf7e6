-- mappings/sql-cmdb/schema-postgres.sql — the demo CMDB for PostgreSQL.
--
-- Load it, then the data, in ONE session (the last statement sets the
-- session's time zone to UTC for the timestamps in data.sql):
--
--   psql -v ON_ERROR_STOP=1 -d cmdb -f schema-postgres.sql -f data.sql
--
-- Running it again drops and recreates the tables. Every column type the
-- stackmap sql source normalises appears in `servers`:
--   integer, bigint, numeric (one value has more digits than a float64
--   holds), real, double precision, boolean, varchar/text, bytea, date,
--   timestamp with time zone, time, jsonb, and NULLs.
-- schema-mariadb.sql is the same CMDB for MariaDB/MySQL; the mapping
-- sql-cmdb.yaml reads both with the same queries.

DROP TABLE IF EXISTS ci_relations, servers, network_devices, applications, database_instances, locations;

CREATE TABLE locations (
    ci_id       varchar(32)  PRIMARY KEY,
    name        varchar(100) NOT NULL,
    site_code   varchar(16)  NOT NULL,
    city        varchar(100),
    country     char(2),
    latitude    double precision,
    longitude   double precision
);

CREATE TABLE servers (
    ci_id           varchar(32)  PRIMARY KEY,
    hostname        varchar(64)  NOT NULL,
    location_id     varchar(32)  REFERENCES locations (ci_id),
    ip_address      varchar(45),
    os              text,
    cpu_count       integer,
    memory_mb       integer,
    disk_bytes      bigint,
    purchase_cost   numeric(19, 2),
    cpu_load        double precision,
    power_watts     real,
    is_virtual      boolean,
    status          varchar(20),
    asset_tag       bytea,
    commissioned_on date,
    last_seen       timestamp with time zone,
    backup_window   time,
    attributes      jsonb,
    notes           text
);

CREATE TABLE network_devices (
    ci_id       varchar(32)  PRIMARY KEY,
    hostname    varchar(64)  NOT NULL,
    device_type varchar(32)  NOT NULL,
    vendor      varchar(64),
    model       varchar(64),
    location_id varchar(32)  REFERENCES locations (ci_id),
    port_count  integer,
    mgmt_ip     varchar(45),
    firmware    varchar(32)
);

CREATE TABLE applications (
    ci_id         varchar(32)  PRIMARY KEY,
    name          varchar(100) NOT NULL,
    version       varchar(32),
    owner         varchar(64),
    environment   varchar(32),
    criticality   smallint,
    url           text,
    monthly_users integer,
    sla_target    numeric(6, 3)
);

-- "databases" is a reserved word in MySQL and MariaDB.
CREATE TABLE database_instances (
    ci_id           varchar(32)  PRIMARY KEY,
    name            varchar(100) NOT NULL,
    engine          varchar(32)  NOT NULL,
    engine_version  varchar(32),
    size_bytes      bigint,
    max_connections integer,
    replicated      boolean
);

-- parent depends on child: an application runs_on a server, uses a
-- database; a database is hosted_on a server; a server is connected_to a
-- network device. Ids may point at CIs that are gone (no foreign keys, as
-- in most CMDBs); the mapping skips those rows.
CREATE TABLE ci_relations (
    id        integer      PRIMARY KEY,
    parent_id varchar(32)  NOT NULL,
    child_id  varchar(32)  NOT NULL,
    type      varchar(32)  NOT NULL
);

SET TIME ZONE 'UTC';
