-- ToolGrains: the buffers' append-only item store (not an Orleans provider; read and written by
-- ToolGrains.Hosting's PostgresBufferStore). Requires nothing from 001..004.
--
-- A buffer is one row in toolgrains_buffer (settings, counters and watermarks as JSON text, with a
-- version for optimistic concurrency), its items in toolgrains_buffer_item keyed by sequence, and
-- the boundaries of its sealed batches in toolgrains_buffer_batch. A write inserts its items, a
-- seal inserts a boundary, a confirmed batch is deleted by range: no step rewrites what is held.

CREATE TABLE IF NOT EXISTS toolgrains_buffer
(
    service_id varchar(150) NOT NULL,
    buffer_id  varchar(256) NOT NULL,
    version    bigint       NOT NULL,
    record     text         NOT NULL,
    CONSTRAINT toolgrains_buffer_pk PRIMARY KEY (service_id, buffer_id)
);

CREATE TABLE IF NOT EXISTS toolgrains_buffer_item
(
    service_id varchar(150) NOT NULL,
    buffer_id  varchar(256) NOT NULL,
    seq        bigint       NOT NULL,
    payload    text         NOT NULL,
    CONSTRAINT toolgrains_buffer_item_pk PRIMARY KEY (service_id, buffer_id, seq)
);

CREATE TABLE IF NOT EXISTS toolgrains_buffer_batch
(
    service_id varchar(150) NOT NULL,
    buffer_id  varchar(256) NOT NULL,
    batch_no   bigint       NOT NULL,
    last_seq   bigint       NOT NULL,
    reason     varchar(32)  NOT NULL,
    CONSTRAINT toolgrains_buffer_batch_pk PRIMARY KEY (service_id, buffer_id, batch_no)
);

-- Removals are ranges with a start (p_remove_from: no item below that sequence, p_remove_from_batch: no
-- boundary below that number is stored): a deleted row's index entry stays until a vacuum, and a delete that
-- began at the buffer's first key walked every one of them, more with every batch confirmed (46 ms and 6,000
-- index pages per delete on a hot buffer after two minutes). These functions replace the 11- and 13-argument
-- ones of earlier versions, which stay for silos not yet upgraded (see README.md to drop them afterwards).

-- Applies one change of one buffer if the stored version is p_expected: removes items from p_remove_from
-- up to p_remove_through (and their batch boundaries), appends items and boundaries, stores the record and
-- advances the version by p_step (the number of changes merged into this one). Returns the new version, or -1
-- (and changes nothing) when the version differs, so that the other changes committed in the same
-- round trip are not aborted. A version of 0 means "no row yet".
CREATE OR REPLACE FUNCTION toolgrains_buffer_commit(
    p_service text, p_buffer text, p_expected bigint, p_record text,
    p_seqs bigint[], p_payloads text[],
    p_batch_nos bigint[], p_batch_last bigint[], p_batch_reasons text[],
    p_remove_from bigint, p_remove_from_batch bigint, p_remove_through bigint, p_step bigint)
    RETURNS bigint
    LANGUAGE plpgsql
AS $fn$
DECLARE
    n integer;
BEGIN
    IF p_expected = 0 THEN
        INSERT INTO toolgrains_buffer (service_id, buffer_id, version, record)
        VALUES (p_service, p_buffer, p_step, p_record) ON CONFLICT DO NOTHING;
    ELSE
        UPDATE toolgrains_buffer SET version = version + p_step, record = p_record
        WHERE service_id = p_service AND buffer_id = p_buffer AND version = p_expected;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RETURN -1;
    END IF;
    IF p_remove_through IS NOT NULL THEN
        DELETE FROM toolgrains_buffer_item
        WHERE service_id = p_service AND buffer_id = p_buffer AND seq >= p_remove_from AND seq <= p_remove_through;
        DELETE FROM toolgrains_buffer_batch
        WHERE service_id = p_service AND buffer_id = p_buffer AND batch_no >= p_remove_from_batch AND last_seq <= p_remove_through;
    END IF;
    IF cardinality(p_seqs) > 0 THEN
        INSERT INTO toolgrains_buffer_item (service_id, buffer_id, seq, payload)
        SELECT p_service, p_buffer, s, p FROM unnest(p_seqs, p_payloads) AS u(s, p);
    END IF;
    IF cardinality(p_batch_nos) > 0 THEN
        INSERT INTO toolgrains_buffer_batch (service_id, buffer_id, batch_no, last_seq, reason)
        SELECT p_service, p_buffer, b, l, r FROM unnest(p_batch_nos, p_batch_last, p_batch_reasons) AS u(b, l, r);
    END IF;
    RETURN p_expected + p_step;
END
$fn$;

-- Applies a group of changes, at most one per buffer (each the merge of that buffer's queued changes),
-- with one statement per kind of row rather than one call per buffer, so a group of many buffers costs
-- a few set operations (a group of one buffer, such as one hot buffer's, is cheaper with the function
-- above). A change whose stored version is not its expected one (0: no row yet) changes
-- nothing, and the others are applied. For the applied ones: the record is stored and its version
-- advanced by its step, items and batch boundaries up to its remove-through sequence are deleted, and
-- its items and boundaries appended (p_item_of/p_batch_of give each row's 1-based position in
-- p_buffers). Returns those positions.
CREATE OR REPLACE FUNCTION toolgrains_buffer_commit_group(
    p_service text, p_buffers text[], p_expected bigint[], p_steps bigint[], p_records text[],
    p_remove_from bigint[], p_remove_from_batch bigint[], p_remove_through bigint[],
    p_item_of int[], p_item_seqs bigint[], p_item_payloads text[],
    p_batch_of int[], p_batch_nos bigint[], p_batch_last bigint[], p_batch_reasons text[])
    RETURNS int[]
    LANGUAGE plpgsql
    -- Planned once per session: re-planning these statements for each group cost more than running them.
    SET plan_cache_mode = force_generic_plan
AS $fn$
DECLARE
    applied int[];
BEGIN
    WITH change AS (
        SELECT * FROM unnest(p_buffers, p_expected, p_steps, p_records) WITH ORDINALITY AS c(buffer_id, expected, step, record, pos)
    ), created AS (
        INSERT INTO toolgrains_buffer (service_id, buffer_id, version, record)
        SELECT p_service, c.buffer_id, c.step, c.record FROM change c WHERE c.expected = 0
        ON CONFLICT DO NOTHING
        RETURNING buffer_id
    ), updated AS (
        UPDATE toolgrains_buffer b SET version = b.version + c.step, record = c.record
        FROM change c
        WHERE c.expected > 0 AND b.service_id = p_service AND b.buffer_id = c.buffer_id AND b.version = c.expected
        RETURNING b.buffer_id
    )
    SELECT coalesce(array_agg(c.pos::int), '{}') INTO applied
    FROM change c
    WHERE c.buffer_id IN (SELECT buffer_id FROM created UNION ALL SELECT buffer_id FROM updated);

    IF EXISTS (SELECT 1 FROM unnest(p_remove_through) AS r(through) WHERE r.through IS NOT NULL) THEN
        DELETE FROM toolgrains_buffer_item i
        USING unnest(p_buffers, p_remove_from, p_remove_through) WITH ORDINALITY AS r(buffer_id, from_seq, through, pos)
        WHERE r.through IS NOT NULL AND r.pos IN (SELECT unnest(applied))
          AND i.service_id = p_service AND i.buffer_id = r.buffer_id AND i.seq >= r.from_seq AND i.seq <= r.through;
        DELETE FROM toolgrains_buffer_batch t
        USING unnest(p_buffers, p_remove_from_batch, p_remove_through) WITH ORDINALITY AS r(buffer_id, from_batch, through, pos)
        WHERE r.through IS NOT NULL AND r.pos IN (SELECT unnest(applied))
          AND t.service_id = p_service AND t.buffer_id = r.buffer_id AND t.batch_no >= r.from_batch AND t.last_seq <= r.through;
    END IF;
    IF cardinality(p_item_of) > 0 THEN
        INSERT INTO toolgrains_buffer_item (service_id, buffer_id, seq, payload)
        SELECT p_service, p_buffers[u.k], u.seq, u.payload
        FROM unnest(p_item_of, p_item_seqs, p_item_payloads) AS u(k, seq, payload)
        WHERE u.k IN (SELECT unnest(applied));
    END IF;
    IF cardinality(p_batch_of) > 0 THEN
        INSERT INTO toolgrains_buffer_batch (service_id, buffer_id, batch_no, last_seq, reason)
        SELECT p_service, p_buffers[u.k], u.no, u.last, u.reason
        FROM unnest(p_batch_of, p_batch_nos, p_batch_last, p_batch_reasons) AS u(k, no, last, reason)
        WHERE u.k IN (SELECT unnest(applied));
    END IF;
    RETURN applied;
END
$fn$;
