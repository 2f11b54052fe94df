"""The basic-info workbook (客户基本信息表): columns, a reader that yields raw rows with their Excel
row numbers, a pure validator that turns one row into clean values or errors, and the writer.
The import/export services in `prospects.services` put them together."""
