-- Sign-in throttling also counts failures per address, across accounts.
CREATE INDEX sign_in_failures_by_address ON sign_in_failures (ip, created_at);
