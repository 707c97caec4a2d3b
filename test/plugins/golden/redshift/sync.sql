SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = :schema;

CREATE SCHEMA IF NOT EXISTS golden;

CREATE TABLE IF NOT EXISTS golden.events (event_id VARCHAR(256) NOT NULL, event_time TIMESTAMPTZ NOT NULL, processed_time TIMESTAMPTZ NOT NULL, updated_time TIMESTAMPTZ NOT NULL, device_id BIGINT NOT NULL, session_id BIGINT, view_id BIGINT, event_type VARCHAR(256), event_properties SUPER, source_type VARCHAR(32) NOT NULL, source_properties SUPER) DISTKEY (event_id) SORTKEY (event_time);

CREATE TABLE IF NOT EXISTS golden.raw_events (event_id VARCHAR(256), event_time TIMESTAMPTZ, processed_time TIMESTAMPTZ, device_id BIGINT, session_id BIGINT, view_id BIGINT, event_type VARCHAR(256), event_properties SUPER, source_type VARCHAR(32), source_properties SUPER) DISTKEY (event_id);

CREATE TABLE IF NOT EXISTS golden.event_definitions (id VARCHAR(256) NOT NULL, name VARCHAR(MAX), description VARCHAR(MAX), state VARCHAR(16), version INTEGER, rule SUPER, created_time TIMESTAMPTZ, created_by VARCHAR(MAX), modified_time TIMESTAMPTZ, modified_by VARCHAR(MAX), updated_time TIMESTAMPTZ) DISTSTYLE ALL;

CREATE TABLE IF NOT EXISTS golden.page_definitions (id VARCHAR(256) NOT NULL, name VARCHAR(MAX), description VARCHAR(MAX), state VARCHAR(16), version INTEGER, rule SUPER, created_time TIMESTAMPTZ, created_by VARCHAR(MAX), modified_time TIMESTAMPTZ, modified_by VARCHAR(MAX), updated_time TIMESTAMPTZ) DISTSTYLE ALL;

CREATE TABLE IF NOT EXISTS golden.element_definitions (id VARCHAR(256) NOT NULL, name VARCHAR(MAX), description VARCHAR(MAX), state VARCHAR(16), version INTEGER, rule SUPER, created_time TIMESTAMPTZ, created_by VARCHAR(MAX), modified_time TIMESTAMPTZ, modified_by VARCHAR(MAX), updated_time TIMESTAMPTZ) DISTSTYLE ALL;

put s3://<bucket>/tributary/golden/<load>/part-000.json.zst;

put s3://<bucket>/tributary/golden/<load>/manifest.json;

DELETE FROM golden.raw_events;

COPY golden.raw_events (event_id, event_time, processed_time, device_id, session_id, view_id, event_type, event_properties, source_type, source_properties) FROM 's3://<bucket>/tributary/golden/<load>/manifest.json' IAM_ROLE 'arn:aws:iam::123456789012:role/tributary-copy' REGION 'us-east-1' MANIFEST ZSTD FORMAT AS JSON 'auto' TIMEFORMAT 'auto' COMPUPDATE OFF STATUPDATE OFF;

DELETE FROM golden.raw_events WHERE event_type IS NULL AND NOT EXISTS (SELECT 1 FROM golden.events AS e WHERE e.event_id = golden.raw_events.event_id AND e.event_time BETWEEN CAST(:from_time AS TIMESTAMPTZ) AND CAST(:to_time AS TIMESTAMPTZ)) AND NOT EXISTS (SELECT 1 FROM golden.raw_events AS live WHERE live.event_id = golden.raw_events.event_id AND live.event_type IS NOT NULL);

DELETE FROM golden.events USING golden.raw_events WHERE golden.events.event_id = golden.raw_events.event_id AND golden.raw_events.processed_time > golden.events.processed_time AND golden.events.event_time BETWEEN CAST(:from_time AS TIMESTAMPTZ) AND CAST(:to_time AS TIMESTAMPTZ);

INSERT INTO golden.events (event_id, event_time, processed_time, device_id, session_id, view_id, event_type, event_properties, source_type, source_properties, updated_time) SELECT src.event_id, src.event_time, src.processed_time, src.device_id, src.session_id, src.view_id, src.event_type, src.event_properties, src.source_type, src.source_properties, SYSDATE FROM (SELECT event_id, event_time, processed_time, device_id, session_id, view_id, event_type, event_properties, source_type, source_properties FROM (SELECT event_id, event_time, processed_time, device_id, session_id, view_id, event_type, event_properties, source_type, source_properties, ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY processed_time DESC) AS rn FROM golden.raw_events) AS ranked WHERE rn = 1) AS src WHERE NOT EXISTS (SELECT 1 FROM golden.events AS e WHERE e.event_id = src.event_id AND e.event_time BETWEEN CAST(:from_time AS TIMESTAMPTZ) AND CAST(:to_time AS TIMESTAMPTZ));

TRUNCATE golden.raw_events;

delete s3://<bucket>/tributary/golden/<load>/* (2 objects);

DELETE FROM golden.event_definitions;

INSERT INTO golden.event_definitions (id, name, description, state, version, rule, created_time, created_by, modified_time, modified_by, updated_time) VALUES (:a0, :b0, :c0, :d0, :e0, JSON_PARSE(:f0), :g0, :h0, :i0, :j0, SYSDATE);

DELETE FROM golden.page_definitions;

DELETE FROM golden.element_definitions;

INSERT INTO golden.element_definitions (id, name, description, state, version, rule, created_time, created_by, modified_time, modified_by, updated_time) VALUES (:a1, :b1, :c1, :d1, :e1, JSON_PARSE(:f1), :g1, :h1, :i1, :j1, SYSDATE), (:a2, :b2, :c2, :d2, :e2, JSON_PARSE(:f2), :g2, :h2, :i2, :j2, SYSDATE);
