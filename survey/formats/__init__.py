"""Converters between survey data and the file formats other tools use, split by direction.

``xlsform`` (KoboToolbox/ODK workbooks, both ways), ``definitions`` (an uploaded .xlsx or .json
survey definition), ``po`` (survey content for translators, both ways), ``qdpx`` (a REFI-QDA
project of open answers for qualitative-analysis tools).
"""
