DROP TABLE IF EXISTS sso_flows;
DROP TABLE IF EXISTS sso_identities;
