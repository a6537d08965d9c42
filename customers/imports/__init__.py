"""Customers in and out of files: CSV and Excel, checked row by row.

``reading`` turns a file into rows of text, ``checking`` turns a row into the
arguments of ``customer_create`` or the reasons it cannot be, ``jobs`` runs the
dry run and the import as an ``ImportJob`` (inline or as a Celery task), and
``exporting`` writes the book back out in the same columns.
"""
