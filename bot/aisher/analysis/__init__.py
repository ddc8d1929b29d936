"""Analysis: evidence, compaction, masking, LLM, cache, budget and the report model."""
