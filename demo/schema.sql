-- pgadvisor embedded demo database: an LMS on Prisma 6 (the schema of seed report 001), with data.
-- Loaded once into PGlite (with pg_stat_statements) and cached; demo/workload.sql then runs on every start.
-- Deterministic: ids are md5-derived cuid look-alikes, values come from arithmetic on generate_series.
--
-- PLANTED PROBLEMS (a good advisor should report each of these)
--  Indexes
--   P1  plain index duplicating a UNIQUE index (Prisma @unique + @@index):
--         public.users.users_email_idx                      = users_email_key (email)
--         public.courses.courses_slug_idx                   = courses_slug_key (slug)
--         public.transactions.transactions_providerTxnId_idx = transactions_providerTxnId_key ("providerTxnId")
--         public.certificates.certificates_certificateNo_idx = certificates_certificateNo_key ("certificateNo")
--   P2  exact duplicate non-unique indexes:
--         public.quizzes.quizzes_lessonId_idx and public.quizzes.quizzes_lesson_idx, both ("lessonId")
--   P3  prefix-redundant indexes (leading column of a unique composite that already serves it):
--         public.enrollments.enrollments_userId_idx          ⊂ enrollments_userId_courseId_key ("userId","courseId")
--         public.course_progress.course_progress_userId_idx  ⊂ course_progress_userId_courseId_key ("userId","courseId")
--         public.lesson_progress.lesson_progress_progressId_idx ⊂ lesson_progress_progressId_lessonId_key ("progressId","lessonId")
--   P4  boolean / low-cardinality indexes (pg_stats shows few distinct values, skewed):
--         public.lesson_progress.lesson_progress_completed_idx (completed: boolean, ~60% true)
--         public.courses.courses_published_featured_idx (published, featured: 2 booleans)
--         public.enrollments.enrollments_status_idx ("EnrollmentStatus", 4 values, ~70% ACTIVE)
--         public.transactions.transactions_status_idx ("PaymentStatus", 4 values, ~88% COMPLETED)
--         public.media.media_type_idx ("MediaType", 4 values, 60% VIDEO)
--         public.course_progress.course_progress_progressPercent_idx (~40% 0, ~30% 100)
--   P5  foreign keys without a supporting index (and the workload seq-scans the first):
--         public.lessons.lessons_mediaId_fkey ("mediaId" → media)
--         public.media.media_uploaderId_fkey ("uploaderId" → users)
--   P6  missing composite indexes for the seed's query patterns (all in demo/workload.sql):
--         course_progress ("userId", "lastAccessedAt" DESC)   student dashboard, recent activity
--         transactions ("userId", "createdAt" DESC)           payment history
--         transactions ("status", "createdAt" DESC)           admin: recent pending transactions
--         quiz_attempts ("userId", "quizId", "startedAt" DESC) quiz history
--         users ("role", "createdAt" DESC)                    admin: instructors by join date
--         course_progress ("lastAccessedAt") / progressPercent < 100   inactive students (seq scan)
--       unused indexes after the workload (idx_scan = 0): most of P1-P4.
--  Schema
--   P7  table without a primary key: public.verification_tokens (NextAuth model; only unique indexes)
--   P8  json (not jsonb) column: public.courses.metadata
--   P9  timestamp without time zone everywhere Prisma's DateTime is used (e.g. users."createdAt",
--       transactions."createdAt", sessions.expires); _prisma_migrations uses timestamptz (Prisma's own).
--  Maintenance
--   P10 high-churn tables full of dead tuples (no vacuum has run): public.sessions (token rotated
--       4 times per row: 4800 dead / 1200 live, non-HOT, so its indexes bloat too; the workload adds 60)
--       and public.course_analytics (rewritten 10 times, HOT: ~1200 dead / 120 live on PGlite, fewer on
--       a server where page pruning ran).
--  Workload (demo/workload.sql, recorded in pg_stat_statements on every start)
--   P11 N+1 loop: SELECT … FROM users WHERE id = $1, once per course (120 calls).
--   P12 seq scan through the unindexed FK: SELECT … FROM lessons WHERE "mediaId" = $1 (20 calls).
--   P13 sign-in by lower("email"): users_email_key cannot serve it (an expression index can).
--   P14 payment reminders ask for enrollments."paymentStatus" = 'PENDING', 1 % of the rows (a partial
--       index; live pg_stat_statements keeps no constants, so the advisor assumes pg_stats's rarest value).
--   P15 fraud review by jsonb containment, transactions.metadata @> $1 (GIN, jsonb_path_ops).
--   P16 support search with ILIKE '%…%' on transactions."providerTxnId" (trigram GIN; pg_trgm is
--       available but not installed, so the migration creates it).
--
-- NEAR MISSES (a good advisor must NOT flag these)
--   N1  partial index with the same column as a full one: quiz_attempts_failed_idx ("userId") WHERE
--       passed = false vs quiz_attempts_userId_idx ("userId") — different predicate, not a duplicate.
--   N2  unique and non-unique indexes on different leading columns:
--       accounts_provider_providerAccountId_key (provider, "providerAccountId") vs
--       accounts_providerAccountId_idx ("providerAccountId") — not a prefix, not redundant.
--   N3  expression index vs plain unique: certificates_upper_certificateNo_idx (upper("certificateNo")) vs
--       certificates_certificateNo_key.
--   N4  FKs covered by the leading column of a multi-column index:
--       course_modules."courseId" by course_modules_courseId_order_idx ("courseId","order"),
--       lessons."moduleId" by lessons_moduleId_order_idx, questions."quizId" by questions_quizId_order_idx,
--       enrollments/course_progress."userId" by their ("userId","courseId") unique indexes.
--   N5  FK covered by a unique index: course_analytics."courseId" by course_analytics_courseId_key.
--   N6  unique indexes are never "unused" even at idx_scan = 0 (e.g. sessions_sessionToken_key before
--       the workload; accounts_provider_providerAccountId_key): they enforce constraints.
--   N7  _prisma_migrations: Prisma's bookkeeping table, timestamptz already; its PK is a varchar(36).
--   N8  the catalog's leading-wildcard ILIKE search on 120 courses: a sequential scan reads them in a few
--       pages, so no trigram index (and its OR gives no candidate).

CREATE TYPE "Role" AS ENUM ('STUDENT', 'INSTRUCTOR', 'ADMIN');
CREATE TYPE "Difficulty" AS ENUM ('BEGINNER', 'INTERMEDIATE', 'ADVANCED', 'EXPERT');
CREATE TYPE "EnrollmentStatus" AS ENUM ('ACTIVE', 'COMPLETED', 'CANCELLED', 'EXPIRED');
CREATE TYPE "PaymentStatus" AS ENUM ('PENDING', 'COMPLETED', 'FAILED', 'REFUNDED');
CREATE TYPE "MediaType" AS ENUM ('VIDEO', 'IMAGE', 'DOCUMENT', 'AUDIO');
CREATE TYPE "QuestionType" AS ENUM ('MULTIPLE_CHOICE', 'TRUE_FALSE', 'SHORT_ANSWER');

CREATE TABLE "_prisma_migrations" (
    "id" VARCHAR(36) NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "_prisma_migrations_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "emailVerified" TIMESTAMP(3),
    "image" TEXT,
    "role" "Role" NOT NULL DEFAULT 'STUDENT',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "refresh_token" TEXT,
    "access_token" TEXT,
    "expires_at" INTEGER,
    "token_type" TEXT,
    "scope" TEXT,
    "id_token" TEXT,
    "session_state" TEXT,
    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "sessionToken" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "verification_tokens" (
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL
);

CREATE TABLE "courses" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "description" TEXT,
    "thumbnailUrl" TEXT,
    "price" DECIMAL(10,2) NOT NULL DEFAULT 0,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "difficulty" "Difficulty" NOT NULL DEFAULT 'BEGINNER',
    "published" BOOLEAN NOT NULL DEFAULT false,
    "featured" BOOLEAN NOT NULL DEFAULT false,
    "instructorId" TEXT NOT NULL,
    "metadata" JSON,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "courses_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "course_modules" (
    "id" TEXT NOT NULL,
    "courseId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "order" INTEGER NOT NULL,
    "duration" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "course_modules_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "media" (
    "id" TEXT NOT NULL,
    "uploaderId" TEXT NOT NULL,
    "type" "MediaType" NOT NULL,
    "provider" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "filename" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "mimeType" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "media_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "lessons" (
    "id" TEXT NOT NULL,
    "moduleId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "content" TEXT,
    "videoUrl" TEXT,
    "mediaId" TEXT,
    "duration" INTEGER NOT NULL DEFAULT 0,
    "order" INTEGER NOT NULL,
    "isFree" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "lessons_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "enrollments" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "courseId" TEXT NOT NULL,
    "status" "EnrollmentStatus" NOT NULL DEFAULT 'ACTIVE',
    "paymentStatus" "PaymentStatus" NOT NULL DEFAULT 'PENDING',
    "enrolledAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    CONSTRAINT "enrollments_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "course_progress" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "courseId" TEXT NOT NULL,
    "completedLessons" INTEGER NOT NULL DEFAULT 0,
    "totalLessons" INTEGER NOT NULL DEFAULT 0,
    "progressPercent" INTEGER NOT NULL DEFAULT 0,
    "lastAccessedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "course_progress_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "lesson_progress" (
    "id" TEXT NOT NULL,
    "progressId" TEXT NOT NULL,
    "lessonId" TEXT NOT NULL,
    "completed" BOOLEAN NOT NULL DEFAULT false,
    "completedAt" TIMESTAMP(3),
    "watchTimeSeconds" INTEGER NOT NULL DEFAULT 0,
    "lastWatchedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "lesson_progress_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "transactions" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "courseId" TEXT NOT NULL,
    "amount" DECIMAL(10,2) NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "status" "PaymentStatus" NOT NULL DEFAULT 'PENDING',
    "provider" TEXT NOT NULL,
    "providerTxnId" TEXT NOT NULL,
    "metadata" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "transactions_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "course_analytics" (
    "id" TEXT NOT NULL,
    "courseId" TEXT NOT NULL,
    "totalEnrollments" INTEGER NOT NULL DEFAULT 0,
    "activeEnrollments" INTEGER NOT NULL DEFAULT 0,
    "completionRate" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "averageRating" DOUBLE PRECISION,
    "totalRevenue" DECIMAL(12,2) NOT NULL DEFAULT 0,
    "lastCalculatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "course_analytics_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "quizzes" (
    "id" TEXT NOT NULL,
    "lessonId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "passingScore" INTEGER NOT NULL DEFAULT 70,
    "timeLimit" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "quizzes_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "questions" (
    "id" TEXT NOT NULL,
    "quizId" TEXT NOT NULL,
    "type" "QuestionType" NOT NULL DEFAULT 'MULTIPLE_CHOICE',
    "prompt" TEXT NOT NULL,
    "options" JSONB,
    "correctAnswer" TEXT NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 1,
    "order" INTEGER NOT NULL,
    CONSTRAINT "questions_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "quiz_attempts" (
    "id" TEXT NOT NULL,
    "quizId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "score" INTEGER NOT NULL,
    "passed" BOOLEAN NOT NULL,
    "answers" JSONB,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completedAt" TIMESTAMP(3),
    CONSTRAINT "quiz_attempts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "certificates" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "courseId" TEXT NOT NULL,
    "certificateNo" TEXT NOT NULL,
    "issuedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "pdfUrl" TEXT,
    CONSTRAINT "certificates_pkey" PRIMARY KEY ("id")
);

-- ---------------------------------------------------------------------------------------------
-- Data. Helpers (dropped at the end): a cuid look-alike per (kind, n), and the course of the
-- n-th enrollment (user u takes 4 distinct courses: k = 0..3 → 1 + (13u + 29k) mod 120).
CREATE FUNCTION demo_id(kind text, n integer) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT 'c' || substr(md5(kind || ':' || n), 1, 24) $$;
CREATE FUNCTION demo_enrollment_user(n integer) RETURNS integer
  LANGUAGE sql IMMUTABLE AS $$ SELECT (n - 1) % 2000 + 1 $$;
CREATE FUNCTION demo_enrollment_course(n integer) RETURNS integer
  LANGUAGE sql IMMUTABLE AS $$ SELECT 1 + ((((n - 1) % 2000 + 1) * 13 + ((n - 1) / 2000) * 29) % 120) $$;

INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "started_at", "applied_steps_count")
SELECT substr(md5('migration:' || g), 1, 8) || '-' || substr(md5('migration:' || g), 9, 4) || '-4' || substr(md5('migration:' || g), 14, 3)
         || '-a' || substr(md5('migration:' || g), 18, 3) || '-' || substr(md5('migration:' || g), 21, 12),
       md5('checksum:' || g) || md5('checksum2:' || g),
       timestamptz '2025-10-01 20:53:46+00' + g * interval '3 days' + interval '2 seconds',
       (ARRAY['20251001205346_init', '20251004120000_add_quizzes', '20251007093000_add_certificates'])[g],
       timestamptz '2025-10-01 20:53:46+00' + g * interval '3 days',
       1
FROM generate_series(1, 3) g;

-- 2000 users: 5 admins, every 20th an instructor, the rest students
INSERT INTO "users" ("id", "email", "name", "emailVerified", "image", "role", "createdAt", "updatedAt")
SELECT demo_id('user', g),
       'user' || g || '@example.com',
       'User ' || g,
       CASE WHEN g % 3 <> 0 THEN timestamp '2024-01-01' + g * interval '4 hours' + interval '1 hour' END,
       CASE WHEN g % 4 = 0 THEN 'https://cdn.example.com/avatars/' || g || '.png' END,
       (CASE WHEN g <= 5 THEN 'ADMIN' WHEN g % 20 = 0 THEN 'INSTRUCTOR' ELSE 'STUDENT' END)::"Role",
       timestamp '2024-01-01' + g * interval '4 hours',
       timestamp '2024-01-01' + g * interval '4 hours' + (g % 17) * interval '1 day'
FROM generate_series(1, 2000) g;

INSERT INTO "accounts" ("id", "userId", "type", "provider", "providerAccountId", "access_token", "expires_at", "token_type", "scope")
SELECT demo_id('account', g), demo_id('user', (g * 3) % 2000 + 1), 'oauth',
       CASE WHEN g % 2 = 0 THEN 'google' ELSE 'github' END,
       (100000000 + g * 7919)::text,
       md5('access:' || g), 1760000000 + g * 3600, 'bearer', 'openid email profile'
FROM generate_series(1, 600) g;

INSERT INTO "sessions" ("id", "sessionToken", "userId", "expires")
SELECT demo_id('session', g), md5('session:' || g), demo_id('user', (g * 7) % 2000 + 1),
       timestamp '2025-06-01' + g * interval '17 minutes'
FROM generate_series(1, 1200) g;

INSERT INTO "verification_tokens" ("identifier", "token", "expires")
SELECT 'user' || (g * 37 % 2000 + 1) || '@example.com', md5('verify:' || g), timestamp '2025-09-01' + g * interval '1 hour'
FROM generate_series(1, 40) g;

-- 120 courses taught by the 100 instructors; 75% published, 10% featured
INSERT INTO "courses" ("id", "title", "slug", "description", "thumbnailUrl", "price", "difficulty", "published", "featured",
                       "instructorId", "metadata", "createdAt", "updatedAt")
SELECT demo_id('course', g),
       (ARRAY['Intro to AI', 'Machine Learning Basics', 'Modern Web Development', 'Data Engineering',
              'Product Design', 'Cloud Architecture', 'Mobile Apps with React Native', 'SQL for Analysts'])[1 + g % 8] || ' ' || g,
       'course-' || g,
       (ARRAY['A practical course on machine learning and AI systems.', 'Build and ship real web applications.',
              'Learn the fundamentals step by step.', 'Hands-on projects with expert feedback.'])[1 + g % 4],
       'https://cdn.example.com/thumbs/' || g || '.jpg',
       (g % 5) * 20 + 9.99,
       (ARRAY['BEGINNER', 'INTERMEDIATE', 'ADVANCED', 'EXPERT'])[1 + g % 4]::"Difficulty",
       g % 4 <> 0,
       g % 10 = 0,
       demo_id('user', 20 * (1 + g % 100)),
       json_build_object('language', 'en', 'tags', json_build_array('tag' || g % 7, 'tag' || g % 11), 'version', 1 + g % 3),
       timestamp '2024-02-01' + g * interval '2 days',
       timestamp '2024-02-01' + g * interval '2 days' + interval '12 hours'
FROM generate_series(1, 120) g;

-- 6 modules per course, 5 lessons per module (30 lessons per course)
INSERT INTO "course_modules" ("id", "courseId", "title", "order", "duration", "createdAt", "updatedAt")
SELECT demo_id('module', g), demo_id('course', (g - 1) / 6 + 1), 'Module ' || ((g - 1) % 6 + 1),
       (g - 1) % 6 + 1, 1800 + (g * 97) % 3600,
       timestamp '2024-02-01' + g * interval '5 hours', timestamp '2024-02-01' + g * interval '5 hours'
FROM generate_series(1, 720) g;

INSERT INTO "media" ("id", "uploaderId", "type", "provider", "url", "filename", "size", "mimeType", "createdAt")
SELECT demo_id('media', g), demo_id('user', 20 * (1 + g % 100)),
       (CASE WHEN g % 10 < 6 THEN 'VIDEO' WHEN g % 10 < 8 THEN 'IMAGE' WHEN g % 10 = 8 THEN 'DOCUMENT' ELSE 'AUDIO' END)::"MediaType",
       (ARRAY['mux', 's3', 'cloudinary'])[1 + g % 3],
       'https://media.example.com/' || md5('media:' || g),
       'file-' || g || (CASE WHEN g % 10 < 6 THEN '.mp4' WHEN g % 10 < 8 THEN '.png' WHEN g % 10 = 8 THEN '.pdf' ELSE '.mp3' END),
       10000 + (g * 7919) % 50000000,
       CASE WHEN g % 10 < 6 THEN 'video/mp4' WHEN g % 10 < 8 THEN 'image/png' WHEN g % 10 = 8 THEN 'application/pdf' ELSE 'audio/mpeg' END,
       timestamp '2024-02-01' + g * interval '3 hours'
FROM generate_series(1, 1500) g;

INSERT INTO "lessons" ("id", "moduleId", "title", "content", "videoUrl", "mediaId", "duration", "order", "isFree", "createdAt", "updatedAt")
SELECT demo_id('lesson', g), demo_id('module', (g - 1) / 5 + 1), 'Lesson ' || g,
       'Lesson body ' || g, CASE WHEN g % 3 = 0 THEN 'https://media.example.com/v/' || g END,
       CASE WHEN g % 3 = 0 THEN demo_id('media', (g / 3 - 1) % 1500 + 1) END,
       300 + (g * 37) % 900, (g - 1) % 5 + 1, (g - 1) % 30 = 0,
       timestamp '2024-02-01' + g * interval '1 hour', timestamp '2024-02-01' + g * interval '1 hour'
FROM generate_series(1, 3600) g;

-- 8000 enrollments (4 per user); ~70% ACTIVE, 20% COMPLETED, 7% CANCELLED, 3% EXPIRED; 1% still
-- waiting for their payment
INSERT INTO "enrollments" ("id", "userId", "courseId", "status", "paymentStatus", "enrolledAt", "completedAt")
SELECT demo_id('enrollment', g), demo_id('user', demo_enrollment_user(g)), demo_id('course', demo_enrollment_course(g)),
       (CASE WHEN g % 100 < 70 THEN 'ACTIVE' WHEN g % 100 < 90 THEN 'COMPLETED' WHEN g % 100 < 97 THEN 'CANCELLED' ELSE 'EXPIRED' END)::"EnrollmentStatus",
       (CASE WHEN g % 100 = 0 THEN 'PENDING' ELSE 'COMPLETED' END)::"PaymentStatus",
       timestamp '2024-03-01' + g * interval '61 minutes',
       CASE WHEN g % 100 BETWEEN 70 AND 89 THEN timestamp '2024-03-01' + g * interval '61 minutes' + interval '40 days' END
FROM generate_series(1, 8000) g;

-- one progress row per enrollment: ~40% never started, ~30% finished, the rest in between
INSERT INTO "course_progress" ("id", "userId", "courseId", "completedLessons", "totalLessons", "progressPercent", "lastAccessedAt", "createdAt", "updatedAt")
SELECT demo_id('progress', g), demo_id('user', demo_enrollment_user(g)), demo_id('course', demo_enrollment_course(g)),
       c, 30, c * 100 / 30,
       timestamp '2025-01-01' + ((g * 7919) % 300000) * interval '1 minute',
       timestamp '2024-03-01' + g * interval '61 minutes',
       timestamp '2025-01-01' + ((g * 7919) % 300000) * interval '1 minute'
FROM (SELECT g, CASE WHEN (g * 37) % 100 < 40 THEN 0 WHEN (g * 37) % 100 < 70 THEN 30 ELSE 1 + (g * 7) % 29 END AS c
      FROM generate_series(1, 8000) g) s;

-- the first 3 lessons of the first 4000 progress rows; ~60% completed
INSERT INTO "lesson_progress" ("id", "progressId", "lessonId", "completed", "completedAt", "watchTimeSeconds", "lastWatchedAt")
SELECT demo_id('lesson_progress', g), demo_id('progress', p),
       demo_id('lesson', (demo_enrollment_course(p) - 1) * 30 + j + 1),
       (g * 31) % 10 < 6,
       CASE WHEN (g * 31) % 10 < 6 THEN timestamp '2025-01-01' + g * interval '23 minutes' END,
       (g * 53) % 1200,
       timestamp '2025-01-01' + g * interval '23 minutes'
FROM (SELECT g, (g - 1) / 3 + 1 AS p, (g - 1) % 3 AS j FROM generate_series(1, 12000) g) s;

-- 5000 payments: ~88% COMPLETED, 5% PENDING, 5% FAILED, 2% REFUNDED
INSERT INTO "transactions" ("id", "userId", "courseId", "amount", "status", "provider", "providerTxnId", "metadata", "createdAt", "updatedAt")
SELECT demo_id('txn', g), demo_id('user', (g * 7) % 2000 + 1), demo_id('course', 1 + (g * 11) % 120),
       (g % 5) * 20 + 9.99,
       (CASE WHEN g % 20 = 0 THEN 'PENDING' WHEN g % 20 = 1 THEN 'FAILED' WHEN g % 50 = 2 THEN 'REFUNDED' ELSE 'COMPLETED' END)::"PaymentStatus",
       CASE WHEN g % 4 = 0 THEN 'paypal' ELSE 'stripe' END,
       'pi_' || md5('txn:' || g),
       jsonb_build_object('ip', '10.0.' || g % 256 || '.' || g % 7, 'coupon', CASE WHEN g % 9 = 0 THEN 'SPRING' END),
       timestamp '2024-03-01' + g * interval '97 minutes',
       timestamp '2024-03-01' + g * interval '97 minutes' + interval '30 seconds'
FROM generate_series(1, 5000) g;

INSERT INTO "course_analytics" ("id", "courseId", "totalEnrollments", "activeEnrollments", "completionRate", "averageRating", "totalRevenue", "lastCalculatedAt")
SELECT demo_id('analytics', g), demo_id('course', g), 0, 0, 0, NULL, 0, timestamp '2025-01-01'
FROM generate_series(1, 120) g;

-- one quiz per 6 lessons, 5 questions each
INSERT INTO "quizzes" ("id", "lessonId", "title", "passingScore", "timeLimit", "createdAt", "updatedAt")
SELECT demo_id('quiz', g), demo_id('lesson', g * 6), 'Quiz ' || g, 70, CASE WHEN g % 2 = 0 THEN 600 END,
       timestamp '2024-02-01' + g * interval '6 hours', timestamp '2024-02-01' + g * interval '6 hours'
FROM generate_series(1, 600) g;

INSERT INTO "questions" ("id", "quizId", "type", "prompt", "options", "correctAnswer", "points", "order")
SELECT demo_id('question', g), demo_id('quiz', (g - 1) / 5 + 1),
       (ARRAY['MULTIPLE_CHOICE', 'TRUE_FALSE', 'SHORT_ANSWER'])[1 + g % 3]::"QuestionType",
       'Question ' || g || '?',
       CASE WHEN g % 3 = 0 THEN jsonb_build_array('A', 'B', 'C', 'D') END,
       (ARRAY['A', 'true', 'index'])[1 + g % 3], 1 + g % 3, (g - 1) % 5 + 1
FROM generate_series(1, 3000) g;

INSERT INTO "quiz_attempts" ("id", "quizId", "userId", "score", "passed", "answers", "startedAt", "completedAt")
SELECT demo_id('attempt', g), demo_id('quiz', 1 + (g * 7) % 600), demo_id('user', 1 + (g * 13) % 2000),
       (g * 37) % 101, (g * 37) % 101 >= 70,
       jsonb_build_object('q1', 'A', 'q2', (g % 2 = 0)),
       timestamp '2025-01-01' + g * interval '53 minutes',
       timestamp '2025-01-01' + g * interval '53 minutes' + (5 + g % 20) * interval '1 minute'
FROM generate_series(1, 6000) g;

INSERT INTO "certificates" ("id", "userId", "courseId", "certificateNo", "issuedAt", "pdfUrl")
SELECT demo_id('certificate', g), demo_id('user', demo_enrollment_user(g * 5)), demo_id('course', demo_enrollment_course(g * 5)),
       'CERT-' || lpad(g::text, 6, '0'), timestamp '2024-06-01' + g * interval '5 hours',
       'https://cdn.example.com/certs/' || g || '.pdf'
FROM generate_series(1, 1600) g;

DROP FUNCTION demo_id(text, integer);
DROP FUNCTION demo_enrollment_user(integer);
DROP FUNCTION demo_enrollment_course(integer);

-- ---------------------------------------------------------------------------------------------
-- Indexes, as Prisma generated them (and as the team added to them over time).
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");
CREATE INDEX "users_email_idx" ON "users"("email");

CREATE UNIQUE INDEX "accounts_provider_providerAccountId_key" ON "accounts"("provider", "providerAccountId");
CREATE INDEX "accounts_userId_idx" ON "accounts"("userId");
CREATE INDEX "accounts_providerAccountId_idx" ON "accounts"("providerAccountId");

CREATE UNIQUE INDEX "sessions_sessionToken_key" ON "sessions"("sessionToken");
CREATE INDEX "sessions_userId_idx" ON "sessions"("userId");

CREATE UNIQUE INDEX "verification_tokens_token_key" ON "verification_tokens"("token");
CREATE UNIQUE INDEX "verification_tokens_identifier_token_key" ON "verification_tokens"("identifier", "token");

CREATE UNIQUE INDEX "courses_slug_key" ON "courses"("slug");
CREATE INDEX "courses_slug_idx" ON "courses"("slug");
CREATE INDEX "courses_published_featured_idx" ON "courses"("published", "featured");
CREATE INDEX "courses_instructorId_idx" ON "courses"("instructorId");

CREATE INDEX "course_modules_courseId_order_idx" ON "course_modules"("courseId", "order");

CREATE INDEX "lessons_moduleId_order_idx" ON "lessons"("moduleId", "order");

CREATE INDEX "media_type_idx" ON "media"("type");

CREATE UNIQUE INDEX "enrollments_userId_courseId_key" ON "enrollments"("userId", "courseId");
CREATE INDEX "enrollments_userId_idx" ON "enrollments"("userId");
CREATE INDEX "enrollments_courseId_idx" ON "enrollments"("courseId");
CREATE INDEX "enrollments_status_idx" ON "enrollments"("status");

CREATE UNIQUE INDEX "course_progress_userId_courseId_key" ON "course_progress"("userId", "courseId");
CREATE INDEX "course_progress_userId_idx" ON "course_progress"("userId");
CREATE INDEX "course_progress_courseId_idx" ON "course_progress"("courseId");
CREATE INDEX "course_progress_progressPercent_idx" ON "course_progress"("progressPercent");

CREATE UNIQUE INDEX "lesson_progress_progressId_lessonId_key" ON "lesson_progress"("progressId", "lessonId");
CREATE INDEX "lesson_progress_progressId_idx" ON "lesson_progress"("progressId");
CREATE INDEX "lesson_progress_lessonId_idx" ON "lesson_progress"("lessonId");
CREATE INDEX "lesson_progress_completed_idx" ON "lesson_progress"("completed");

CREATE UNIQUE INDEX "transactions_providerTxnId_key" ON "transactions"("providerTxnId");
CREATE INDEX "transactions_userId_idx" ON "transactions"("userId");
CREATE INDEX "transactions_courseId_idx" ON "transactions"("courseId");
CREATE INDEX "transactions_status_idx" ON "transactions"("status");
CREATE INDEX "transactions_providerTxnId_idx" ON "transactions"("providerTxnId");

CREATE UNIQUE INDEX "course_analytics_courseId_key" ON "course_analytics"("courseId");

CREATE INDEX "quizzes_lessonId_idx" ON "quizzes"("lessonId");
CREATE INDEX "quizzes_lesson_idx" ON "quizzes"("lessonId");

CREATE INDEX "questions_quizId_order_idx" ON "questions"("quizId", "order");

CREATE INDEX "quiz_attempts_quizId_idx" ON "quiz_attempts"("quizId");
CREATE INDEX "quiz_attempts_userId_idx" ON "quiz_attempts"("userId");
CREATE INDEX "quiz_attempts_failed_idx" ON "quiz_attempts"("userId") WHERE "passed" = false;

CREATE UNIQUE INDEX "certificates_certificateNo_key" ON "certificates"("certificateNo");
CREATE INDEX "certificates_userId_idx" ON "certificates"("userId");
CREATE INDEX "certificates_courseId_idx" ON "certificates"("courseId");
CREATE INDEX "certificates_certificateNo_idx" ON "certificates"("certificateNo");
CREATE INDEX "certificates_upper_certificateNo_idx" ON "certificates"(upper("certificateNo"));

-- Foreign keys
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "courses" ADD CONSTRAINT "courses_instructorId_fkey" FOREIGN KEY ("instructorId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "course_modules" ADD CONSTRAINT "course_modules_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "courses"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "media" ADD CONSTRAINT "media_uploaderId_fkey" FOREIGN KEY ("uploaderId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "lessons" ADD CONSTRAINT "lessons_moduleId_fkey" FOREIGN KEY ("moduleId") REFERENCES "course_modules"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "lessons" ADD CONSTRAINT "lessons_mediaId_fkey" FOREIGN KEY ("mediaId") REFERENCES "media"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "enrollments" ADD CONSTRAINT "enrollments_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "enrollments" ADD CONSTRAINT "enrollments_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "courses"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "course_progress" ADD CONSTRAINT "course_progress_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "course_progress" ADD CONSTRAINT "course_progress_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "courses"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "lesson_progress" ADD CONSTRAINT "lesson_progress_progressId_fkey" FOREIGN KEY ("progressId") REFERENCES "course_progress"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "lesson_progress" ADD CONSTRAINT "lesson_progress_lessonId_fkey" FOREIGN KEY ("lessonId") REFERENCES "lessons"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "courses"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "course_analytics" ADD CONSTRAINT "course_analytics_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "courses"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "quizzes" ADD CONSTRAINT "quizzes_lessonId_fkey" FOREIGN KEY ("lessonId") REFERENCES "lessons"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "questions" ADD CONSTRAINT "questions_quizId_fkey" FOREIGN KEY ("quizId") REFERENCES "quizzes"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "quiz_attempts" ADD CONSTRAINT "quiz_attempts_quizId_fkey" FOREIGN KEY ("quizId") REFERENCES "quizzes"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "quiz_attempts" ADD CONSTRAINT "quiz_attempts_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "courses"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Churn (no vacuum runs afterwards): sessions rotate their token (an indexed column, so no HOT
-- updates) four times; the analytics job rewrites every row ten times.
UPDATE "sessions" SET "sessionToken" = md5('session:' || "sessionToken" || ':1'), "expires" = "expires" + interval '1 day';
UPDATE "sessions" SET "sessionToken" = md5('session:' || "sessionToken" || ':2'), "expires" = "expires" + interval '1 day';
UPDATE "sessions" SET "sessionToken" = md5('session:' || "sessionToken" || ':3'), "expires" = "expires" + interval '1 day';
UPDATE "sessions" SET "sessionToken" = md5('session:' || "sessionToken" || ':4'), "expires" = "expires" + interval '1 day';

UPDATE "course_analytics" ca SET "totalEnrollments" = s.total, "activeEnrollments" = s.active,
       "completionRate" = s.completed::float8 / greatest(s.total, 1), "lastCalculatedAt" = timestamp '2025-09-01'
FROM (SELECT "courseId", count(*) AS total, count(*) FILTER (WHERE "status" = 'ACTIVE') AS active,
             count(*) FILTER (WHERE "status" = 'COMPLETED') AS completed
      FROM "enrollments" GROUP BY "courseId") s
WHERE s."courseId" = ca."courseId";
UPDATE "course_analytics" SET "totalRevenue" = "totalEnrollments" * 19.99, "lastCalculatedAt" = "lastCalculatedAt" + interval '1 day';
UPDATE "course_analytics" SET "averageRating" = 3.5 + ("totalEnrollments" % 15) / 10.0, "lastCalculatedAt" = "lastCalculatedAt" + interval '1 day';
UPDATE "course_analytics" SET "lastCalculatedAt" = "lastCalculatedAt" + interval '1 day';
UPDATE "course_analytics" SET "lastCalculatedAt" = "lastCalculatedAt" + interval '1 day';
UPDATE "course_analytics" SET "lastCalculatedAt" = "lastCalculatedAt" + interval '1 day';
UPDATE "course_analytics" SET "lastCalculatedAt" = "lastCalculatedAt" + interval '1 day';
UPDATE "course_analytics" SET "lastCalculatedAt" = "lastCalculatedAt" + interval '1 day';
UPDATE "course_analytics" SET "lastCalculatedAt" = "lastCalculatedAt" + interval '1 day';
UPDATE "course_analytics" SET "lastCalculatedAt" = "lastCalculatedAt" + interval '1 day';

ANALYZE;
