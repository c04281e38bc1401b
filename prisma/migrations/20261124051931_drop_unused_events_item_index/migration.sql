-- DropIndex
DROP INDEX "events_item_id_occurred_at_idx";

