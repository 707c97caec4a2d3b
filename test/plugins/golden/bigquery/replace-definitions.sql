-- replaceDefinitions with rows
LOAD test-proj.golden.raw_definitions NEWLINE_DELIMITED_JSON WRITE_TRUNCATE (resumable upload);

BEGIN TRANSACTION;
DELETE FROM `test-proj.golden.event_definitions` WHERE TRUE;
INSERT INTO `test-proj.golden.event_definitions` (id, name, description, state, version, rule, created_time, created_by, modified_time, modified_by, updated_time)
SELECT id, name, description, state, version, rule, created_time, created_by, modified_time, modified_by, CURRENT_TIMESTAMP() FROM `test-proj.golden.raw_definitions` WHERE table_name = 'event_definitions';
DELETE FROM `test-proj.golden.page_definitions` WHERE TRUE;
INSERT INTO `test-proj.golden.page_definitions` (id, name, description, state, version, rule, created_time, created_by, modified_time, modified_by, updated_time)
SELECT id, name, description, state, version, rule, created_time, created_by, modified_time, modified_by, CURRENT_TIMESTAMP() FROM `test-proj.golden.raw_definitions` WHERE table_name = 'page_definitions';
DELETE FROM `test-proj.golden.element_definitions` WHERE TRUE;
INSERT INTO `test-proj.golden.element_definitions` (id, name, description, state, version, rule, created_time, created_by, modified_time, modified_by, updated_time)
SELECT id, name, description, state, version, rule, created_time, created_by, modified_time, modified_by, CURRENT_TIMESTAMP() FROM `test-proj.golden.raw_definitions` WHERE table_name = 'element_definitions';
DELETE FROM `test-proj.golden.raw_definitions` WHERE TRUE;
COMMIT TRANSACTION;

-- replaceDefinitions with no rows
BEGIN TRANSACTION;
DELETE FROM `test-proj.golden.event_definitions` WHERE TRUE;
DELETE FROM `test-proj.golden.page_definitions` WHERE TRUE;
DELETE FROM `test-proj.golden.element_definitions` WHERE TRUE;
DELETE FROM `test-proj.golden.raw_definitions` WHERE TRUE;
COMMIT TRANSACTION;
