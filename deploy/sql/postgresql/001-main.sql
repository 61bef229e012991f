-- ToolGrains: PostgreSQL schema for the Orleans ADO.NET providers (Orleans 10.4.x, invariant "Npgsql").
-- 001: the query catalogue shared by clustering, persistence and reminders.
--
-- How the providers talk to the database
--   * At start-up every ADO.NET provider runs `SELECT QueryKey, QueryText FROM OrleansQuery`
--     and from then on issues only those stored texts. Clustering and reminders fail to start
--     when one of their required keys is missing; persistence needs its three keys.
--   * Parameters are bound by name (@DeploymentId, @GrainIdHash, ...); results are read by
--     column name (case-insensitively, so PostgreSQL's lower-cased names are fine) and by type.
--   * Queries that report success return one row with one numeric column: > 0 means success,
--     0 (or no row, where noted) means "lost the optimistic-concurrency race".
--   * ETags are integer version counters kept in `Version` columns.
--
-- The texts may be tuned freely as long as key names, parameter names, result column names and
-- result types stay as documented in each file. Apply 001..004 in order to an empty database.
-- The files only use CREATE ... IF NOT EXISTS / CREATE OR REPLACE / upserts, so applying them
-- again is harmless.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL,
    QueryText varchar(8000) NOT NULL,

    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);

COMMENT ON TABLE OrleansQuery IS
    'Stored queries read by the Orleans ADO.NET providers at start-up (ToolGrains deploy/sql/postgresql).';

-- Helper used by the other files: insert or replace one stored query.
-- (A procedure rather than a function so that psql prints nothing for each CALL; PostgreSQL 11+.)
CREATE OR REPLACE PROCEDURE orleans_define_query(key_arg varchar, text_arg varchar)
    LANGUAGE sql
AS $fn$
    INSERT INTO OrleansQuery (QueryKey, QueryText)
    VALUES (key_arg, text_arg)
    ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
$fn$;
