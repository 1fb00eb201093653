DROP INDEX questions_live;
