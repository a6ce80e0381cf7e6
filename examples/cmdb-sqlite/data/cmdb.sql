-- A small CMDB: locations, servers, applications, databases, network
-- devices and the relations between them. data/cmdb.db is built from this
-- script (go test ./engine/source/sql -run TestExampleDatabase -update).
CREATE TABLE locations (
  id        TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  city      TEXT NOT NULL,
  country   TEXT NOT NULL
);
CREATE TABLE servers (
  id          TEXT PRIMARY KEY,
  hostname    TEXT NOT NULL,
  os          TEXT NOT NULL,
  ip          TEXT,
  location_id TEXT REFERENCES locations(id),
  cpu_count   INTEGER NOT NULL,
  memory_gb   REAL NOT NULL,
  in_service  BOOLEAN NOT NULL,
  status      TEXT NOT NULL,
  installed   DATE,
  last_seen   DATETIME
);
CREATE TABLE applications (
  id       TEXT PRIMARY KEY,
  name     TEXT NOT NULL,
  version  TEXT,
  owner    TEXT,
  tier     INTEGER
);
CREATE TABLE databases (
  id        TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  engine    TEXT NOT NULL,
  server_id TEXT REFERENCES servers(id),
  size_gb   REAL
);
CREATE TABLE network_devices (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL,
  vendor      TEXT,
  location_id TEXT REFERENCES locations(id),
  ports       INTEGER
);
CREATE TABLE ci_relations (
  parent_id TEXT NOT NULL,
  child_id  TEXT NOT NULL,
  type      TEXT NOT NULL,
  PRIMARY KEY (parent_id, child_id, type)
);

INSERT INTO locations VALUES
  ('loc-ams', 'Amsterdam DC1', 'Amsterdam', 'NL'),
  ('loc-fra', 'Frankfurt DC2', 'Frankfurt', 'DE');
INSERT INTO servers VALUES
  ('srv-001', 'web-01.example.com', 'Ubuntu 22.04', '10.0.1.11', 'loc-ams', 4, 16, 1, 'running', '2023-03-01', '2026-11-01 07:59:00'),
  ('srv-002', 'web-02.example.com', 'Ubuntu 22.04', '10.0.1.12', 'loc-ams', 4, 16, 1, 'running', '2023-03-01', '2026-11-01 07:58:30'),
  ('srv-003', 'db-01.example.com', 'RHEL 9', '10.0.2.21', 'loc-fra', 16, 128, 1, 'degraded', '2022-11-15', '2026-11-01 07:59:10'),
  ('srv-004', 'batch-01.example.com', 'RHEL 9', NULL, 'loc-fra', 8, 31.5, 0, 'stopped', NULL, NULL);
INSERT INTO applications VALUES
  ('app-shop', 'Webshop', '2.3.1', 'team-shop', 1),
  ('app-billing', 'Billing', '1.8.0', 'team-finance', 2),
  ('app-search', 'Search', NULL, NULL, NULL);
INSERT INTO databases VALUES
  ('db-orders', 'orders', 'PostgreSQL 15', 'srv-003', 120),
  ('db-catalog', 'catalog', 'PostgreSQL 15', 'srv-003', 8.5);
INSERT INTO network_devices VALUES
  ('net-core-ams', 'core-sw-ams', 'switch', 'Arista', 'loc-ams', 48),
  ('net-fw-fra', 'fw-fra', 'firewall', 'Fortinet', 'loc-fra', 16);
INSERT INTO ci_relations VALUES
  ('app-shop', 'srv-001', 'runs_on'),
  ('app-shop', 'srv-002', 'runs_on'),
  ('app-billing', 'srv-004', 'runs_on'),
  ('app-search', 'srv-002', 'runs_on'),
  ('app-shop', 'db-orders', 'uses'),
  ('app-shop', 'db-catalog', 'uses'),
  ('app-billing', 'db-orders', 'uses'),
  ('db-orders', 'srv-003', 'hosted_on'),
  ('db-catalog', 'srv-003', 'hosted_on'),
  ('srv-001', 'net-core-ams', 'connected_to'),
  ('srv-002', 'net-core-ams', 'connected_to'),
  ('srv-003', 'net-fw-fra', 'connected_to'),
  ('srv-004', 'net-fw-fra', 'connected_to');
