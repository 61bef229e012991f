-- ToolGrains: Orleans ADO.NET grain storage for PostgreSQL.
-- Used by Microsoft.Orleans.Persistence.AdoNet 10.4.x (AddAdoNetGrainStorage). Requires 001-main.sql.
--
-- Contract (what the provider sends and reads):
--   parameters : @GrainIdHash (int), @GrainIdN0 (bigint), @GrainIdN1 (bigint), @GrainTypeHash (int),
--                @GrainTypeString (text), @GrainIdExtensionString (text|null), @ServiceId (text),
--                @GrainStateVersion (int|null: the ETag the grain holds), @PayloadBinary (bytea)
--   keys       : ReadFromStorageKey -> columns PayloadBinary, Version (no row = no state)
--                WriteToStorageKey  -> column NewGrainStateVersion
--                ClearStorageKey    -> first column = new version
--                DeleteStorageKey   -> first column = a value different from the old version
--                                      (only used with DeleteStateOnClear = true; optional key)
--   A write/clear that lost the optimistic-concurrency race must return no row, NULL, or the
--   unchanged version: Orleans then throws InconsistentStateException.
--
-- Orleans 10 writes only PayloadBinary (the configured IGrainStorageSerializer's bytes, JSON by
-- default); the old PayloadJson/PayloadXml columns are not used and not created here.
-- Keys: integer and Guid keys are split into GrainIdN0/GrainIdN1 (+ optional key extension);
-- string keys arrive whole in GrainIdExtensionString with N0 = N1 = 0. GrainTypeString is the
-- grain type name (generic arguments stripped); the hashes are Orleans' own hashes of the key
-- and of that type string, used only to narrow the index lookup.

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer       NOT NULL,
    GrainIdN0              bigint        NOT NULL,
    GrainIdN1              bigint        NOT NULL,
    GrainTypeHash          integer       NOT NULL,
    GrainTypeString        varchar(512)  NOT NULL,
    GrainIdExtensionString varchar(512)  NULL,
    ServiceId              varchar(150)  NOT NULL,
    PayloadBinary          bytea         NULL,
    ModifiedOn             timestamptz   NOT NULL DEFAULT now(),
    Version                integer       NULL
);

CREATE INDEX IF NOT EXISTS IX_OrleansStorage
    ON OrleansStorage (GrainIdHash, GrainTypeHash);

-- Writes grain state with optimistic concurrency.
--   version given : update the row holding exactly that version, return version + 1
--   version NULL  : first write; insert unless a row exists already, return 1
-- Returns NULL when nothing was written (stale ETag or a concurrent first write).
CREATE OR REPLACE FUNCTION writetostorage(
    _GrainIdHash            integer,
    _GrainIdN0              bigint,
    _GrainIdN1              bigint,
    _GrainTypeHash          integer,
    _GrainTypeString        varchar,
    _GrainIdExtensionString varchar,
    _ServiceId              varchar,
    _GrainStateVersion      integer,
    _PayloadBinary          bytea)
    RETURNS TABLE (NewGrainStateVersion integer)
    LANGUAGE plpgsql
AS $fn$
DECLARE
    written integer;
BEGIN
    IF _GrainStateVersion IS NOT NULL THEN
        UPDATE OrleansStorage
        SET PayloadBinary = _PayloadBinary,
            ModifiedOn    = now(),
            Version       = Version + 1
        WHERE GrainIdHash = _GrainIdHash
          AND GrainTypeHash = _GrainTypeHash
          AND GrainIdN0 = _GrainIdN0
          AND GrainIdN1 = _GrainIdN1
          AND GrainTypeString = _GrainTypeString
          AND GrainIdExtensionString IS NOT DISTINCT FROM _GrainIdExtensionString
          AND ServiceId = _ServiceId
          AND Version = _GrainStateVersion
        RETURNING Version INTO written;

        RETURN QUERY SELECT written;
        RETURN;
    END IF;

    -- First write of this grain. Serialize concurrent first writes of the same key (split
    -- brain, duplicate activation) so that exactly one INSERT wins; the lock is held until
    -- the end of the transaction and only taken on this rare path.
    PERFORM pg_advisory_xact_lock(_GrainIdHash, _GrainTypeHash);

    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
         GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    SELECT
        _GrainIdHash, _GrainIdN0, _GrainIdN1, _GrainTypeHash, _GrainTypeString,
        _GrainIdExtensionString, _ServiceId, _PayloadBinary, now(), 1
    WHERE NOT EXISTS (
        SELECT 1
        FROM OrleansStorage
        WHERE GrainIdHash = _GrainIdHash
          AND GrainTypeHash = _GrainTypeHash
          AND GrainIdN0 = _GrainIdN0
          AND GrainIdN1 = _GrainIdN1
          AND GrainTypeString = _GrainTypeString
          AND GrainIdExtensionString IS NOT DISTINCT FROM _GrainIdExtensionString
          AND ServiceId = _ServiceId)
    RETURNING Version INTO written;

    RETURN QUERY SELECT written;
END
$fn$;

CALL orleans_define_query('WriteToStorageKey', $q$
    SELECT NewGrainStateVersion FROM writetostorage(
        @GrainIdHash,
        @GrainIdN0,
        @GrainIdN1,
        @GrainTypeHash,
        @GrainTypeString,
        @GrainIdExtensionString,
        @ServiceId,
        @GrainStateVersion,
        @PayloadBinary);
$q$);

CALL orleans_define_query('ReadFromStorageKey', $q$
    SELECT
        PayloadBinary,
        Version
    FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND @GrainIdHash IS NOT NULL
      AND GrainTypeHash = @GrainTypeHash AND @GrainTypeHash IS NOT NULL
      AND GrainIdN0 = @GrainIdN0 AND @GrainIdN0 IS NOT NULL
      AND GrainIdN1 = @GrainIdN1 AND @GrainIdN1 IS NOT NULL
      AND GrainTypeString = @GrainTypeString AND @GrainTypeString IS NOT NULL
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND ServiceId = @ServiceId AND @ServiceId IS NOT NULL;
$q$);

-- Clear keeps the row (and its version counter) and drops the payload.
CALL orleans_define_query('ClearStorageKey', $q$
    UPDATE OrleansStorage
    SET PayloadBinary = NULL,
        ModifiedOn    = now(),
        Version       = Version + 1
    WHERE GrainIdHash = @GrainIdHash AND @GrainIdHash IS NOT NULL
      AND GrainTypeHash = @GrainTypeHash AND @GrainTypeHash IS NOT NULL
      AND GrainIdN0 = @GrainIdN0 AND @GrainIdN0 IS NOT NULL
      AND GrainIdN1 = @GrainIdN1 AND @GrainIdN1 IS NOT NULL
      AND GrainTypeString = @GrainTypeString AND @GrainTypeString IS NOT NULL
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND ServiceId = @ServiceId AND @ServiceId IS NOT NULL
      AND Version = @GrainStateVersion AND @GrainStateVersion IS NOT NULL
    RETURNING Version AS NewGrainStateVersion;
$q$);

-- Delete (DeleteStateOnClear = true) removes the row; it returns old version + 1 so Orleans
-- sees a changed version and accepts the delete (the grain's ETag then becomes null).
CALL orleans_define_query('DeleteStorageKey', $q$
    DELETE FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND @GrainIdHash IS NOT NULL
      AND GrainTypeHash = @GrainTypeHash AND @GrainTypeHash IS NOT NULL
      AND GrainIdN0 = @GrainIdN0 AND @GrainIdN0 IS NOT NULL
      AND GrainIdN1 = @GrainIdN1 AND @GrainIdN1 IS NOT NULL
      AND GrainTypeString = @GrainTypeString AND @GrainTypeString IS NOT NULL
      AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND ServiceId = @ServiceId AND @ServiceId IS NOT NULL
      AND Version = @GrainStateVersion AND @GrainStateVersion IS NOT NULL
    RETURNING Version + 1 AS NewGrainStateVersion;
$q$);
