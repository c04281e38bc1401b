// @cascade/ui: the console's shared components. Importing the package loads the design tokens.
import "./theme.css";

export { Badge, type BadgeProps, type BadgeTone } from "./Badge.tsx";
export { BarChart, type BarChartProps } from "./BarChart.tsx";
export { Button, buttonClassName, type ButtonProps, type ButtonSize, type ButtonVariant } from "./Button.tsx";
export { Card, type CardProps } from "./Card.tsx";
export { ChartLegend, type ChartLegendProps } from "./ChartLegend.tsx";
export { chartPalette, type ChartDatum, type ChartSeries } from "./chart-series.ts";
export { Dialog, type DialogProps } from "./Dialog.tsx";
export { DataTable, type DataTableColumn, type DataTableProps, type DataTableRowTone } from "./DataTable.tsx";
export { EmptyState, type EmptyStateProps } from "./EmptyState.tsx";
export { ErrorState, type ErrorStateProps } from "./ErrorState.tsx";
export { FilterBar, type FilterBarProps } from "./FilterBar.tsx";
export { formatCompact, formatDecimal, formatDuration, formatInteger, formatPercent } from "./format.ts";
export { LineChart, type LineChartProps } from "./LineChart.tsx";
export { Meter, type MeterProps, type MeterTone } from "./Meter.tsx";
export { PageHeader, type PageHeaderProps } from "./PageHeader.tsx";
export { Pagination, pageCountFor, type PaginationProps } from "./Pagination.tsx";
export { SearchField, type SearchFieldProps } from "./SearchField.tsx";
export { SegmentedControl, type SegmentedControlProps, type SegmentedOption } from "./SegmentedControl.tsx";
export { Select, type SelectOption, type SelectProps } from "./Select.tsx";
export { Skeleton, type SkeletonProps } from "./Skeleton.tsx";
export { StatCard, type StatCardProps } from "./StatCard.tsx";
export { ToastProvider, useToast, type ToastMessage, type ToastTone } from "./Toast.tsx";
export { Table, TableBody, TableCell, TableHead, TableHeaderCell, TableRow, type CellAlign, type TableCellProps, type TableHeaderCellProps } from "./Table.tsx";
