DROP TABLE IF EXISTS calendar_events;
