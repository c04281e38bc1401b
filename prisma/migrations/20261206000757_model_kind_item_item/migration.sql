-- AlterEnum
ALTER TYPE "ModelKind" ADD VALUE 'item_item';

