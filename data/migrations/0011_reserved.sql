-- 0011 is issue 11 item 1's (branch wt-a, alert kinds). This placeholder
-- keeps the numbers contiguous on branch wt-b; the merge replaces it with
-- wt-a's 0011 (delete this file then).
SELECT 1;
