-- The tallies also count every event of each subtree by month, whatever its status
-- (events.listed): an event list's total over whole months reads them instead of counting
-- the subtree's entries. The Go step recounts all tallies (as 0011 did).
SELECT 1;
