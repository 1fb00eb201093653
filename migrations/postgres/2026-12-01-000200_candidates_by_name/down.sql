DROP INDEX candidates_by_name;
