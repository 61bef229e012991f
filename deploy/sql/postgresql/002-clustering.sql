-- ToolGrains: Orleans ADO.NET clustering (membership table) for PostgreSQL.
-- Used by Microsoft.Orleans.Clustering.AdoNet 10.4.x (silo: UseAdoNetClustering, client:
-- UseAdoNetClustering for gateway discovery). Requires 001-main.sql.
--
-- Contract (what the provider sends and reads):
--   parameters : @DeploymentId (text; the ClusterId), @Address (text, IP), @Port, @Generation,
--                @Status, @ProxyPort, @Version (int), @SiloName, @HostName, @SuspectTimes (text|null),
--                @StartTime, @IAmAliveTime (timestamptz, UTC)
--   read back  : DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
--                SuspectTimes, StartTime, IAmAliveTime, Version
--   required keys: UpdateIAmAlivetimeKey, InsertMembershipVersionKey, InsertMembershipKey,
--                UpdateMembershipKey, MembershipReadRowKey, MembershipReadAllKey,
--                DeleteMembershipTableEntriesKey, GatewaysQueryKey, CleanupDefunctSiloEntriesKey
--   optional key : CleanupDefunctSiloEntryKey (10.x: when present, defunct-silo cleanup deletes
--                Dead rows one by one, only if the row still holds the values the silo read)
--
-- The table version (OrleansMembershipVersionTable.Version) is the membership ETag: every
-- successful insert/update of a membership row bumps it, guarded by the version the caller read.
-- Silo status values: 3 = Active, 6 = Dead.

CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150)   NOT NULL,
    Timestamp    timestamptz(3) NOT NULL DEFAULT now(),
    Version      integer        NOT NULL DEFAULT 0,

    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150)   NOT NULL,
    Address      varchar(45)    NOT NULL,
    Port         integer        NOT NULL,
    Generation   integer        NOT NULL,
    SiloName     varchar(150)   NOT NULL,
    HostName     varchar(150)   NOT NULL,
    Status       integer        NOT NULL,
    ProxyPort    integer        NULL,
    SuspectTimes varchar(8000)  NULL,
    StartTime    timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,

    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- Locks the version row of a deployment if it still carries the expected version.
-- Every writer of membership rows goes through this lock, so two silos holding the same
-- stale version can never both succeed.
CREATE OR REPLACE FUNCTION orleans_lock_membership_version(
    deployment_arg varchar,
    version_arg    integer)
    RETURNS boolean
    LANGUAGE plpgsql
AS $fn$
BEGIN
    PERFORM 1
    FROM OrleansMembershipVersionTable
    WHERE DeploymentId = deployment_arg
      AND Version = version_arg
      AND Version < 2147483647
    FOR UPDATE;
    RETURN FOUND;
END
$fn$;

-- Inserts a silo row and bumps the table version, both or neither. Returns 1 or 0.
CREATE OR REPLACE FUNCTION insert_membership(
    DeploymentIdArg varchar,
    AddressArg      varchar,
    PortArg         integer,
    GenerationArg   integer,
    SiloNameArg     varchar,
    HostNameArg     varchar,
    StatusArg       integer,
    ProxyPortArg    integer,
    StartTimeArg    timestamptz,
    IAmAliveTimeArg timestamptz,
    VersionArg      integer)
    RETURNS TABLE (row_count integer)
    LANGUAGE plpgsql
AS $fn$
DECLARE
    inserted integer;
BEGIN
    IF DeploymentIdArg IS NULL OR VersionArg IS NULL
       OR NOT orleans_lock_membership_version(DeploymentIdArg, VersionArg) THEN
        RETURN QUERY SELECT 0;
        RETURN;
    END IF;

    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName,
         Status, ProxyPort, StartTime, IAmAliveTime)
    VALUES
        (DeploymentIdArg, AddressArg, PortArg, GenerationArg, SiloNameArg, HostNameArg,
         StatusArg, ProxyPortArg, StartTimeArg, IAmAliveTimeArg)
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;

    IF inserted = 0 THEN
        -- The silo row already exists: nothing was changed, report failure.
        RETURN QUERY SELECT 0;
        RETURN;
    END IF;

    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1,
        Timestamp = now()
    WHERE DeploymentId = DeploymentIdArg;

    RETURN QUERY SELECT 1;
END
$fn$;

-- Updates a silo row and bumps the table version, both or neither. Returns 1 or 0.
CREATE OR REPLACE FUNCTION update_membership(
    DeploymentIdArg varchar,
    AddressArg      varchar,
    PortArg         integer,
    GenerationArg   integer,
    StatusArg       integer,
    SuspectTimesArg varchar,
    IAmAliveTimeArg timestamptz,
    VersionArg      integer)
    RETURNS TABLE (row_count integer)
    LANGUAGE plpgsql
AS $fn$
DECLARE
    updated integer;
BEGIN
    IF DeploymentIdArg IS NULL OR VersionArg IS NULL
       OR NOT orleans_lock_membership_version(DeploymentIdArg, VersionArg) THEN
        RETURN QUERY SELECT 0;
        RETURN;
    END IF;

    UPDATE OrleansMembershipTable
    SET Status = StatusArg,
        SuspectTimes = SuspectTimesArg,
        -- never move the liveness timestamp backwards
        IAmAliveTime = GREATEST(IAmAliveTime, IAmAliveTimeArg)
    WHERE DeploymentId = DeploymentIdArg
      AND Address = AddressArg
      AND Port = PortArg
      AND Generation = GenerationArg;
    GET DIAGNOSTICS updated = ROW_COUNT;

    IF updated = 0 THEN
        RETURN QUERY SELECT 0;
        RETURN;
    END IF;

    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1,
        Timestamp = now()
    WHERE DeploymentId = DeploymentIdArg;

    RETURN QUERY SELECT 1;
END
$fn$;

-- Heartbeat. Not version-guarded, result not checked by Orleans.
CALL orleans_define_query('UpdateIAmAlivetimeKey', $q$
    UPDATE OrleansMembershipTable
    SET IAmAliveTime = GREATEST(IAmAliveTime, @IAmAliveTime)
    WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL
      AND Address = @Address AND @Address IS NOT NULL
      AND Port = @Port AND @Port IS NOT NULL
      AND Generation = @Generation AND @Generation IS NOT NULL;
$q$);

-- Creates the version row of a deployment (cluster). Returns 1 if created, 0 if it existed.
CALL orleans_define_query('InsertMembershipVersionKey', $q$
    WITH created AS (
        INSERT INTO OrleansMembershipVersionTable (DeploymentId)
        SELECT @DeploymentId
        WHERE @DeploymentId IS NOT NULL
        ON CONFLICT (DeploymentId) DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer AS row_count FROM created;
$q$);

CALL orleans_define_query('InsertMembershipKey', $q$
    SELECT row_count FROM insert_membership(
        @DeploymentId,
        @Address,
        @Port,
        @Generation,
        @SiloName,
        @HostName,
        @Status,
        @ProxyPort,
        @StartTime,
        @IAmAliveTime,
        @Version);
$q$);

CALL orleans_define_query('UpdateMembershipKey', $q$
    SELECT row_count FROM update_membership(
        @DeploymentId,
        @Address,
        @Port,
        @Generation,
        @Status,
        @SuspectTimes,
        @IAmAliveTime,
        @Version);
$q$);

-- The version row is always returned (LEFT JOIN) so Orleans gets the table version even
-- when the silo row is absent; a NULL StartTime tells Orleans "no entry".
CALL orleans_define_query('MembershipReadRowKey', $q$
    SELECT
        v.DeploymentId,
        m.Address,
        m.Port,
        m.Generation,
        m.SiloName,
        m.HostName,
        m.Status,
        m.ProxyPort,
        m.SuspectTimes,
        m.StartTime,
        m.IAmAliveTime,
        v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m
           ON m.DeploymentId = v.DeploymentId
          AND m.Address = @Address AND @Address IS NOT NULL
          AND m.Port = @Port AND @Port IS NOT NULL
          AND m.Generation = @Generation AND @Generation IS NOT NULL
    WHERE v.DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL;
$q$);

CALL orleans_define_query('MembershipReadAllKey', $q$
    SELECT
        v.DeploymentId,
        m.Address,
        m.Port,
        m.Generation,
        m.SiloName,
        m.HostName,
        m.Status,
        m.ProxyPort,
        m.SuspectTimes,
        m.StartTime,
        m.IAmAliveTime,
        v.Version
    FROM OrleansMembershipVersionTable v
    LEFT JOIN OrleansMembershipTable m
           ON m.DeploymentId = v.DeploymentId
    WHERE v.DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL;
$q$);

CALL orleans_define_query('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL;
    DELETE FROM OrleansMembershipVersionTable
    WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL;
$q$);

-- Gateways of a cluster, used by clients. @Status is Active (3).
CALL orleans_define_query('GatewaysQueryKey', $q$
    SELECT
        Address,
        ProxyPort,
        Generation
    FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL
      AND Status = @Status AND @Status IS NOT NULL
      AND ProxyPort > 0;
$q$);

-- Bulk cleanup (used only when CleanupDefunctSiloEntryKey is absent): Dead rows whose
-- start and last heartbeat are both older than @IAmAliveTime and that carry no suspicions.
CALL orleans_define_query('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL
      AND Status = 6
      AND IAmAliveTime < @IAmAliveTime
      AND StartTime < @IAmAliveTime
      AND COALESCE(SuspectTimes, '') = '';
$q$);

-- Per-row cleanup (Orleans 10.x): delete one Dead row only if it is unchanged since it was read.
CALL orleans_define_query('CleanupDefunctSiloEntryKey', $q$
    DELETE FROM OrleansMembershipTable
    WHERE DeploymentId = @DeploymentId AND @DeploymentId IS NOT NULL
      AND Address = @Address
      AND Port = @Port
      AND Generation = @Generation
      AND Status = 6
      AND StartTime = @StartTime
      AND IAmAliveTime = @IAmAliveTime
      AND COALESCE(SuspectTimes, '') = COALESCE(@SuspectTimes, '');
$q$);
