-- Three indexes of the volunteer register go: by category, by status and by party
-- membership, each (x, name, id). None picks out a small part of the register (five
-- categories; almost everyone active; about half party members), so a filtered list in
-- name order reads volunteers_name or volunteers_org_name and skips a few rows just as
-- fast, while every insert paid for three more b-trees (a tenth of a 100,000-row import).
DROP INDEX volunteers_category;
DROP INDEX volunteers_status;
DROP INDEX volunteers_party;
