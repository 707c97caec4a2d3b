-- ensureTables on an empty project
GET dataset test-proj.golden;

CREATE dataset test-proj.golden (location US);

GET table test-proj.golden.events;

CREATE table test-proj.golden.events;

GET table test-proj.golden.raw_events;

CREATE table test-proj.golden.raw_events;

GET table test-proj.golden.event_definitions;

CREATE table test-proj.golden.event_definitions;

GET table test-proj.golden.page_definitions;

CREATE table test-proj.golden.page_definitions;

GET table test-proj.golden.element_definitions;

CREATE table test-proj.golden.element_definitions;

GET table test-proj.golden.raw_definitions;

CREATE table test-proj.golden.raw_definitions;
