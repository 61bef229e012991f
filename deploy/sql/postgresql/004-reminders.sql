-- ToolGrains: Orleans ADO.NET reminder table for PostgreSQL.
-- Used by Microsoft.Orleans.Reminders.AdoNet 10.4.x (UseAdoNetReminderService). Requires 001-main.sql.
--
-- Contract (what the provider sends and reads):
--   parameters : @ServiceId (text), @GrainId (text, GrainId.ToString()), @ReminderName (text),
--                @StartTime (timestamptz, UTC), @Period (milliseconds; int, or bigint when larger),
--                @GrainHash / @BeginHash / @EndHash (int: the uint uniform hash reinterpreted as
--                signed), @Version (int, the reminder ETag)
--   read back  : GrainId, ReminderName, StartTime, Period (bigint), Version (int)
--   keys       : UpsertReminderRowKey -> column Version (the new ETag)
--                ReadReminderRowsKey, ReadReminderRowKey, ReadRangeRows1Key, ReadRangeRows2Key
--                DeleteReminderRowKey -> one column, > 0 when deleted
--                DeleteReminderRowsKey
-- Range reads: Orleans uses ReadRangeRows1Key when (int)BeginHash < (int)EndHash, i.e. the ring
-- range (Begin, End] does not wrap in signed order, and ReadRangeRows2Key when it wraps.
--
-- Orleans 10.4 does not send cron/priority parameters for reminders, so this table has none.

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150)   NOT NULL,
    GrainId      varchar(512)   NOT NULL,
    ReminderName varchar(150)   NOT NULL,
    StartTime    timestamptz(3) NOT NULL,
    Period       bigint         NOT NULL,
    GrainHash    integer        NOT NULL,
    Version      integer        NOT NULL,

    CONSTRAINT PK_RemindersTable_ServiceId_GrainId_ReminderName
        PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Range scans by the reminder service of each silo.
CREATE INDEX IF NOT EXISTS IX_RemindersTable_ServiceId_GrainHash
    ON OrleansRemindersTable (ServiceId, GrainHash);

-- Insert or update; the ETag (Version) starts at 0 and grows by one on every upsert.
CALL orleans_define_query('UpsertReminderRowKey', $q$
    INSERT INTO OrleansRemindersTable AS r
        (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES
        (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
    SET StartTime = excluded.StartTime,
        Period    = excluded.Period,
        GrainHash = excluded.GrainHash,
        Version   = r.Version + 1
    RETURNING r.Version AS Version;
$q$);

CALL orleans_define_query('ReadReminderRowsKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND @ServiceId IS NOT NULL
      AND GrainId = @GrainId AND @GrainId IS NOT NULL;
$q$);

CALL orleans_define_query('ReadReminderRowKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND @ServiceId IS NOT NULL
      AND GrainId = @GrainId AND @GrainId IS NOT NULL
      AND ReminderName = @ReminderName AND @ReminderName IS NOT NULL;
$q$);

CALL orleans_define_query('ReadRangeRows1Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND @ServiceId IS NOT NULL
      AND GrainHash > @BeginHash AND @BeginHash IS NOT NULL
      AND GrainHash <= @EndHash AND @EndHash IS NOT NULL;
$q$);

CALL orleans_define_query('ReadRangeRows2Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND @ServiceId IS NOT NULL
      AND ((GrainHash > @BeginHash AND @BeginHash IS NOT NULL)
        OR (GrainHash <= @EndHash AND @EndHash IS NOT NULL));
$q$);

-- Deletes one reminder if its ETag still matches. Returns the number of rows deleted (0 or 1).
CALL orleans_define_query('DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM OrleansRemindersTable
        WHERE ServiceId = @ServiceId AND @ServiceId IS NOT NULL
          AND GrainId = @GrainId AND @GrainId IS NOT NULL
          AND ReminderName = @ReminderName AND @ReminderName IS NOT NULL
          AND Version = @Version AND @Version IS NOT NULL
        RETURNING 1
    )
    SELECT count(*)::integer AS row_count FROM deleted;
$q$);

CALL orleans_define_query('DeleteReminderRowsKey', $q$
    DELETE FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND @ServiceId IS NOT NULL;
$q$);
