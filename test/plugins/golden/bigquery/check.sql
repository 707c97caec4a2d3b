-- check
LIST datasets test-proj;

GET dataset test-proj.golden;

GET table test-proj.golden.events;

GET table test-proj.golden.raw_events;

GET table test-proj.golden.event_definitions;

GET table test-proj.golden.page_definitions;

GET table test-proj.golden.element_definitions;

GET table test-proj.golden.raw_definitions;

LOAD test-proj.golden.raw_events NEWLINE_DELIMITED_JSON WRITE_APPEND (resumable upload);

SELECT COUNT(*) AS n FROM `test-proj.golden.raw_events` WHERE event_id = @probe;

DELETE FROM `test-proj.golden.raw_events` WHERE event_id = @probe;
