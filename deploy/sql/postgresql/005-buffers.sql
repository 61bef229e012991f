-- ToolGrains: the buffers' append-only item store (not an Orleans provider; read and written by
-- ToolGrains.Hosting's PostgresBufferStore). Requires nothing from 001..004.
--
-- A buffer is one row in toolgrains_buffer (settings, counters and watermarks as JSON text, with a
-- version for optimistic concurrency), its items in toolgrains_buffer_chunk, and the boundaries of its
-- sealed batches in toolgrains_buffer_batch. A commit inserts one chunk row per buffer holding all the
-- items it appends (their sequences and payloads as arrays), a seal inserts a boundary, a confirmed batch
-- deletes the chunks it empties and moves the buffer's removed_through watermark, below which a chunk's
-- remaining items are no longer read: no step rewrites what is held.
--
-- Chunks rather than a row per item: the b-tree entry and heap tuple of every item were most of the server's
-- work (inserting 60,000 items of 200 bytes took 384 ms as rows, 89 ms as 500 chunks; the bench's one hot
-- buffer through BufferWriter went from 42,500 to 98,700 writes/s).

CREATE TABLE IF NOT EXISTS toolgrains_buffer
(
    service_id varchar(150) NOT NULL,
    buffer_id  varchar(256) NOT NULL,
    version    bigint       NOT NULL,
    record     text         NOT NULL,
    CONSTRAINT toolgrains_buffer_pk PRIMARY KEY (service_id, buffer_id)
);

-- Items below removed_through were removed (a confirmed batch, a queue's flush): a chunk that still holds
-- later items stays until a removal reaches its last one, and a load skips its removed ones.
ALTER TABLE toolgrains_buffer ADD COLUMN IF NOT EXISTS removed_through bigint NOT NULL DEFAULT 0;

-- The items one commit appended to one buffer, in sequence order; keyed by the last one's sequence, so that a
-- removal [from, through] finds every chunk it empties by range, and the chunk in which from falls.
CREATE TABLE IF NOT EXISTS toolgrains_buffer_chunk
(
    service_id varchar(150) NOT NULL,
    buffer_id  varchar(256) NOT NULL,
    last_seq   bigint       NOT NULL,
    seqs       bigint[]     NOT NULL,
    payloads   text[]       NOT NULL,
    CONSTRAINT toolgrains_buffer_chunk_pk PRIMARY KEY (service_id, buffer_id, last_seq)
);

-- A chunk's payloads are stored compressed out of line once it passes ~2 KB; lz4 compresses faster than the
-- default pglz, where the server was built with it. EXECUTE because plpgsql checks a DO block's statements
-- before running it, and SET COMPRESSION does not parse before PostgreSQL 14.
DO $migrate$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        EXECUTE 'ALTER TABLE toolgrains_buffer_chunk ALTER COLUMN payloads SET COMPRESSION lz4';
    END IF;
END
$migrate$;

-- Upgrading from a version that stored a row per item: each buffer's items become chunks of up to 100 items
-- (a buffer may hold 10,000 items of up to 1 MB, and one value may not pass 1 GB), then the old table and
-- functions are dropped; applied with psql --single-transaction (as the README shows), all of it commits or
-- none. Silos of that version then fail buffer loads (refused, never acknowledged) instead of reading a
-- buffer without its chunks; the previous version's silos keep committing for buffers they hold, but stop
-- both before applying this file (docs: deploy/sql/postgresql/README.md). A silo of this version reports
-- not ready while toolgrains_buffer_item still exists.
DO $migrate$
BEGIN
    IF to_regclass('toolgrains_buffer_item') IS NOT NULL THEN
        LOCK TABLE toolgrains_buffer_item IN ACCESS EXCLUSIVE MODE;
        INSERT INTO toolgrains_buffer_chunk (service_id, buffer_id, last_seq, seqs, payloads)
        SELECT service_id, buffer_id, max(seq), array_agg(seq ORDER BY seq), array_agg(payload ORDER BY seq)
        FROM (SELECT service_id, buffer_id, seq, payload,
                     (row_number() OVER (PARTITION BY service_id, buffer_id ORDER BY seq) - 1) / 100 AS part
              FROM toolgrains_buffer_item) AS item
        GROUP BY service_id, buffer_id, part;
        DROP TABLE toolgrains_buffer_item;
    END IF;
END
$migrate$;
DROP FUNCTION IF EXISTS toolgrains_buffer_commit(text,text,bigint,text,bigint[],text[],bigint[],bigint[],text[],bigint,bigint);
DROP FUNCTION IF EXISTS toolgrains_buffer_commit_group(text,text[],bigint[],bigint[],text[],bigint[],int[],bigint[],text[],int[],bigint[],bigint[],text[]);

CREATE TABLE IF NOT EXISTS toolgrains_buffer_batch
(
    service_id varchar(150) NOT NULL,
    buffer_id  varchar(256) NOT NULL,
    batch_no   bigint       NOT NULL,
    last_seq   bigint       NOT NULL,
    reason     varchar(32)  NOT NULL,
    CONSTRAINT toolgrains_buffer_batch_pk PRIMARY KEY (service_id, buffer_id, batch_no)
);

-- Removals are prefixes with a start (p_remove_from: no item below that sequence, p_remove_from_batch: no
-- boundary below that number is stored, so everything up to p_remove_through goes): a deleted row's index
-- entry stays until a vacuum, and a delete that began at the buffer's first key walked every one of them, more
-- with every batch confirmed (46 ms and 6,000 index pages per delete on a hot buffer after two minutes). A
-- p_remove_through of 9223372036854775807 removes everything (a clear) and leaves the watermark as it is.

-- Applies one change of one buffer if the stored version is p_expected: removes items from p_remove_from
-- up to p_remove_through (and their batch boundaries), appends items (one chunk) and boundaries, stores the
-- record and advances the version by p_step (the number of changes merged into this one). Returns the new
-- version, or -1 (and changes nothing) when the version differs, so that the other changes committed in the
-- same round trip are not aborted. A version of 0 means "no row yet".
CREATE OR REPLACE FUNCTION toolgrains_buffer_commit(
    p_service text, p_buffer text, p_expected bigint, p_record text,
    p_seqs bigint[], p_payloads text[],
    p_batch_nos bigint[], p_batch_last bigint[], p_batch_reasons text[],
    p_remove_from bigint, p_remove_from_batch bigint, p_remove_through bigint, p_step bigint)
    RETURNS bigint
    LANGUAGE plpgsql
    -- A session keeps the plan it made after a few calls; one made while the tables were nearly empty read them
    -- whole (a sequential scan) for as long as the session lived, however large they grew. Only the keys.
    SET enable_seqscan = off
AS $fn$
DECLARE
    n integer;
    -- The watermark a removal moves (not a clear's, which empties the buffer).
    removed bigint := CASE WHEN p_remove_through < 9223372036854775807 THEN p_remove_through END;
BEGIN
    IF p_expected = 0 THEN
        INSERT INTO toolgrains_buffer (service_id, buffer_id, version, record, removed_through)
        VALUES (p_service, p_buffer, p_step, p_record, coalesce(removed, 0)) ON CONFLICT DO NOTHING;
    ELSE
        UPDATE toolgrains_buffer
        SET version = version + p_step, record = p_record, removed_through = greatest(removed_through, coalesce(removed, 0))
        WHERE service_id = p_service AND buffer_id = p_buffer AND version = p_expected;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RETURN -1;
    END IF;
    IF p_remove_through IS NOT NULL THEN
        DELETE FROM toolgrains_buffer_chunk
        WHERE service_id = p_service AND buffer_id = p_buffer AND last_seq >= p_remove_from AND last_seq <= p_remove_through;
        DELETE FROM toolgrains_buffer_batch
        WHERE service_id = p_service AND buffer_id = p_buffer AND batch_no >= p_remove_from_batch AND last_seq <= p_remove_through;
    END IF;
    IF cardinality(p_seqs) > 0 THEN
        INSERT INTO toolgrains_buffer_chunk (service_id, buffer_id, last_seq, seqs, payloads)
        VALUES (p_service, p_buffer, p_seqs[cardinality(p_seqs)], p_seqs, p_payloads);
    END IF;
    IF cardinality(p_batch_nos) > 0 THEN
        INSERT INTO toolgrains_buffer_batch (service_id, buffer_id, batch_no, last_seq, reason)
        SELECT p_service, p_buffer, b, l, r FROM unnest(p_batch_nos, p_batch_last, p_batch_reasons) AS u(b, l, r);
    END IF;
    RETURN p_expected + p_step;
END
$fn$;

-- Applies a group of changes, at most one per buffer (each the merge of that buffer's queued changes), in
-- one call: a statement per buffer for its record (and its removal, if any), and one insert for all the
-- chunks and one for all the boundaries of the group (a group of one buffer, such as one hot buffer's, is
-- cheaper with the function above). A change whose stored version is not its expected one (0: no row yet)
-- changes nothing, and the others are applied. For the applied ones: the record is stored and its version
-- advanced by its step, its items from its remove-from to its remove-through sequence (and their batch
-- boundaries) are removed, and its items (one chunk) and boundaries appended (p_item_of/p_batch_of give each
-- row's 1-based position in p_buffers; a buffer's items come in sequence order). Returns those positions.
CREATE OR REPLACE FUNCTION toolgrains_buffer_commit_group(
    p_service text, p_buffers text[], p_expected bigint[], p_steps bigint[], p_records text[],
    p_remove_from bigint[], p_remove_from_batch bigint[], p_remove_through bigint[],
    p_item_of int[], p_item_seqs bigint[], p_item_payloads text[],
    p_batch_of int[], p_batch_nos bigint[], p_batch_last bigint[], p_batch_reasons text[])
    RETURNS int[]
    LANGUAGE plpgsql
    -- Statements keyed by a buffer's primary key, with sequential scans off, have one plan whatever the
    -- statistics said. The earlier set-based version joined the group to the tables, and a plan made while they
    -- were nearly empty (a hash join over every row of the service) stayed for the session as they grew.
    -- Measured on 300 groups of 100 buffers and 256 items: 5.3 ms per group, against 7.6 for the set-based
    -- version with its plan made on empty tables. (plan_cache_mode is set below.)
    SET enable_seqscan = off
AS $fn$
DECLARE
    applied int[] := '{}';
    ok boolean[] := array_fill(false, ARRAY[cardinality(p_buffers)]); -- ok[k]: the change at position k was applied
    k int;
    n int;
    removed bigint;
BEGIN
    -- One statement per buffer for the record: the version check must reach exactly that buffer's row, and a
    -- statement keyed by the whole primary key cannot be planned any other way.
    FOR k IN 1 .. cardinality(p_buffers) LOOP
        removed := CASE WHEN p_remove_through[k] < 9223372036854775807 THEN p_remove_through[k] END;
        IF p_expected[k] = 0 THEN
            INSERT INTO toolgrains_buffer (service_id, buffer_id, version, record, removed_through)
            VALUES (p_service, p_buffers[k], p_steps[k], p_records[k], coalesce(removed, 0)) ON CONFLICT DO NOTHING;
        ELSE
            UPDATE toolgrains_buffer
            SET version = version + p_steps[k], record = p_records[k], removed_through = greatest(removed_through, coalesce(removed, 0))
            WHERE service_id = p_service AND buffer_id = p_buffers[k] AND version = p_expected[k];
        END IF;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 0 THEN
            CONTINUE;
        END IF;
        applied := applied || k;
        ok[k] := true;
        IF p_remove_through[k] IS NOT NULL THEN
            DELETE FROM toolgrains_buffer_chunk
            WHERE service_id = p_service AND buffer_id = p_buffers[k] AND last_seq >= p_remove_from[k] AND last_seq <= p_remove_through[k];
            DELETE FROM toolgrains_buffer_batch
            WHERE service_id = p_service AND buffer_id = p_buffers[k] AND batch_no >= p_remove_from_batch[k] AND last_seq <= p_remove_through[k];
        END IF;
    END LOOP;
    -- The rows appended, in one statement each (they are inserted, never looked up): a chunk per buffer.
    IF cardinality(p_item_of) > 0 THEN
        INSERT INTO toolgrains_buffer_chunk (service_id, buffer_id, last_seq, seqs, payloads)
        SELECT p_service, p_buffers[u.k], max(u.seq), array_agg(u.seq ORDER BY u.i), array_agg(u.payload ORDER BY u.i)
        FROM unnest(p_item_of, p_item_seqs, p_item_payloads) WITH ORDINALITY AS u(k, seq, payload, i)
        WHERE ok[u.k]
        GROUP BY u.k;
    END IF;
    IF cardinality(p_batch_of) > 0 THEN
        INSERT INTO toolgrains_buffer_batch (service_id, buffer_id, batch_no, last_seq, reason)
        SELECT p_service, p_buffers[u.k], u.no, u.last, u.reason
        FROM unnest(p_batch_of, p_batch_nos, p_batch_last, p_batch_reasons) AS u(k, no, last, reason)
        WHERE ok[u.k];
    END IF;
    RETURN applied;
END
$fn$;

-- Planned once per session: re-planning these statements for each group cost more than running them.
-- plan_cache_mode exists from PostgreSQL 12, and CREATE FUNCTION ... SET with a setting the server does not know
-- fails the whole file, so it is added where the server has it (on 11 the server chooses, as for any function).
DO $plan$
BEGIN
    IF current_setting('server_version_num')::int >= 120000 THEN
        EXECUTE 'ALTER FUNCTION toolgrains_buffer_commit_group(text,text[],bigint[],bigint[],text[],bigint[],bigint[],bigint[],int[],bigint[],text[],int[],bigint[],bigint[],text[]) '
             || 'SET plan_cache_mode = force_generic_plan';
    END IF;
END
$plan$;
