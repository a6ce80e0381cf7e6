-- mappings/sql-cmdb/schema-mariadb.sql — the demo CMDB for MariaDB (10.5+)
-- and MySQL (8.0+).
--
-- Load it, then the data, in ONE session (the last statement sets the
-- session's time zone to UTC):
--
--   cat schema-mariadb.sql data.sql | mariadb cmdb
--
-- Running it again drops and recreates the tables. The same CMDB as
-- schema-postgres.sql; the types differ where the servers differ:
--   boolean   -> TINYINT(1)  (stackmap reads it as the integer 0 or 1)
--   bytea     -> BLOB
--   timestamp with time zone -> DATETIME (no zone; the data is UTC)
--   real      -> FLOAT, double precision -> DOUBLE
--   jsonb     -> JSON (MariaDB stores JSON as checked LONGTEXT)

DROP TABLE IF EXISTS ci_relations, servers, network_devices, applications, database_instances, locations;

CREATE TABLE locations (
    ci_id       VARCHAR(32)  PRIMARY KEY,
    name        VARCHAR(100) NOT NULL,
    site_code   VARCHAR(16)  NOT NULL,
    city        VARCHAR(100),
    country     CHAR(2),
    latitude    DOUBLE,
    longitude   DOUBLE
) CHARACTER SET utf8mb4;

CREATE TABLE servers (
    ci_id           VARCHAR(32)  PRIMARY KEY,
    hostname        VARCHAR(64)  NOT NULL,
    location_id     VARCHAR(32),
    ip_address      VARCHAR(45),
    os              TEXT,
    cpu_count       INT,
    memory_mb       INT,
    disk_bytes      BIGINT,
    purchase_cost   DECIMAL(19, 2),
    cpu_load        DOUBLE,
    power_watts     FLOAT,
    is_virtual      TINYINT(1),
    status          VARCHAR(20),
    asset_tag       BLOB,
    commissioned_on DATE,
    last_seen       DATETIME,
    backup_window   TIME,
    attributes      JSON,
    notes           TEXT,
    FOREIGN KEY (location_id) REFERENCES locations (ci_id)
) CHARACTER SET utf8mb4;

CREATE TABLE network_devices (
    ci_id       VARCHAR(32)  PRIMARY KEY,
    hostname    VARCHAR(64)  NOT NULL,
    device_type VARCHAR(32)  NOT NULL,
    vendor      VARCHAR(64),
    model       VARCHAR(64),
    location_id VARCHAR(32),
    port_count  INT,
    mgmt_ip     VARCHAR(45),
    firmware    VARCHAR(32),
    FOREIGN KEY (location_id) REFERENCES locations (ci_id)
) CHARACTER SET utf8mb4;

CREATE TABLE applications (
    ci_id         VARCHAR(32)  PRIMARY KEY,
    name          VARCHAR(100) NOT NULL,
    version       VARCHAR(32),
    owner         VARCHAR(64),
    environment   VARCHAR(32),
    criticality   SMALLINT,
    url           TEXT,
    monthly_users INT,
    sla_target    DECIMAL(6, 3)
) CHARACTER SET utf8mb4;

-- "databases" is a reserved word in MySQL and MariaDB.
CREATE TABLE database_instances (
    ci_id           VARCHAR(32)  PRIMARY KEY,
    name            VARCHAR(100) NOT NULL,
    engine          VARCHAR(32)  NOT NULL,
    engine_version  VARCHAR(32),
    size_bytes      BIGINT,
    max_connections INT,
    replicated      TINYINT(1)
) CHARACTER SET utf8mb4;

-- parent depends on child; see schema-postgres.sql.
CREATE TABLE ci_relations (
    id        INT          PRIMARY KEY,
    parent_id VARCHAR(32)  NOT NULL,
    child_id  VARCHAR(32)  NOT NULL,
    type      VARCHAR(32)  NOT NULL
) CHARACTER SET utf8mb4;

SET time_zone = '+00:00';
