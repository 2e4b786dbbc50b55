-- The dialog knowledge base (SEMANTICS.md §4.5): skills hold intents (a topic and its
-- answer), intents hold questions (phrasings a user may say). Names are unique per parent;
-- question texts are unique per skill, so one phrasing never leads to two answers.
-- `seq` gives the lists a stable creation order (batch inserts share one create_time).
CREATE TABLE knowledge_skills (
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  skill_id    text NOT NULL,
  name        text NOT NULL,
  identify    text NOT NULL,
  seq         bigserial,
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (project_id, skill_id),
  UNIQUE (project_id, name),
  UNIQUE (project_id, identify)
);
CREATE INDEX knowledge_skills_list_idx ON knowledge_skills (project_id, seq);

CREATE TABLE knowledge_intents (
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  intent_id   text NOT NULL,
  skill_id    text NOT NULL,
  name        text NOT NULL,
  identify    text NOT NULL,
  answer      text NOT NULL,
  seq         bigserial,
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (project_id, intent_id),
  FOREIGN KEY (project_id, skill_id) REFERENCES knowledge_skills (project_id, skill_id) ON DELETE CASCADE,
  UNIQUE (project_id, skill_id, name),
  UNIQUE (project_id, skill_id, identify)
);
CREATE INDEX knowledge_intents_list_idx ON knowledge_intents (project_id, skill_id, seq);

-- skill_id is the intent's, copied so that per-skill uniqueness and the change feed need no
-- join. `rev` is the project's knowledge revision of the row's last write.
CREATE TABLE knowledge_questions (
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  question_id text NOT NULL,
  intent_id   text NOT NULL,
  skill_id    text NOT NULL,
  question    text NOT NULL,
  rev         bigint NOT NULL,
  seq         bigserial,
  create_time timestamptz NOT NULL,
  update_time timestamptz NOT NULL,
  PRIMARY KEY (project_id, question_id),
  FOREIGN KEY (project_id, intent_id) REFERENCES knowledge_intents (project_id, intent_id) ON DELETE CASCADE,
  -- Deferred: a batch update may swap two texts within one transaction.
  CONSTRAINT knowledge_questions_text_uq UNIQUE (project_id, skill_id, question) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX knowledge_questions_list_idx ON knowledge_questions (project_id, intent_id, seq);
CREATE INDEX knowledge_questions_rev_idx ON knowledge_questions (project_id, rev);

-- The change feed a matcher follows. Every knowledge write first bumps its project's row
-- (which also serializes a project's knowledge writes), then stamps what it wrote.
CREATE TABLE knowledge_revisions (
  project_id text PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
  rev        bigint NOT NULL
);

-- One row per deleted question (direct or by a skill/intent delete), at the deleting revision.
CREATE TABLE knowledge_tombstones (
  project_id  text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  question_id text NOT NULL,
  rev         bigint NOT NULL
);
CREATE INDEX knowledge_tombstones_rev_idx ON knowledge_tombstones (project_id, rev);
