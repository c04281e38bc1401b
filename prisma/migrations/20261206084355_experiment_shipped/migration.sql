-- AlterEnum
ALTER TYPE "ExperimentStatus" ADD VALUE 'shipped';

-- AlterTable
ALTER TABLE "experiments" ADD COLUMN     "shipped_variant" TEXT;

