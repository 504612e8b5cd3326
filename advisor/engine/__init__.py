"""Ways to run the pipeline beyond one process. Nothing here imports Ray until `--engine ray`
asks for it (advisor/engine/ray_engine.py imports it inside its functions).

Modules: chunked_replay (the cache replay in TTL-overlapping time chunks, exact), ray_engine
(`advisor analyze --engine ray`: ingest, embedding and the replay on Ray), ray_embed (the
embedding actor pool on Ray Data).
"""
