-- Placeholder on branch wt-c only, so that 0013 has its number while
-- helper A (migration 0011) writes the real one on its branch. The merger deletes this
-- file (and its line in src/store/meson.build) for the real one.
SELECT 1;
