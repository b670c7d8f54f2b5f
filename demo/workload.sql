-- pgadvisor demo workload: the query patterns of seed report 001, run on every demo start (after the
-- cached data directory is loaded) so pg_stat_statements and the table/index usage counters have
-- something to show. PGlite keeps no statistics across restarts, so they are rebuilt each time.
--
-- Format: statements end with ";" at the end of a line. Comment lines right above a statement:
--   -- each: <SELECT …>   run the statement once per row of that query, the row's columns as $1, $2, …
--   -- repeat: <N>        run it N times
-- Each statement is prepared once and executed through the extended protocol (as Prisma does), so
-- pg_stat_statements records one normalised entry per pattern with its call count.

-- Student dashboard (seed §1): enrolled courses with progress, most recently accessed first.
-- Sorts in memory: there is no ("userId", "lastAccessedAt") index on course_progress.
-- each: SELECT "userId" FROM "enrollments" WHERE "status" = 'ACTIVE' GROUP BY "userId" ORDER BY "userId" LIMIT 20
SELECT c."id", c."title", c."slug", e."status", e."enrolledAt", cp."progressPercent", cp."lastAccessedAt"
FROM "enrollments" e
JOIN "courses" c ON e."courseId" = c."id"
LEFT JOIN "course_progress" cp ON cp."userId" = e."userId" AND cp."courseId" = c."id"
WHERE e."userId" = $1 AND e."status" = 'ACTIVE'
ORDER BY cp."lastAccessedAt" DESC;

-- Course catalog (seed §2): published courses by difficulty.
-- each: SELECT unnest(ARRAY['BEGINNER', 'INTERMEDIATE', 'ADVANCED', 'EXPERT', 'BEGINNER', 'INTERMEDIATE'])
SELECT * FROM "courses"
WHERE "published" = true AND "difficulty" = $1::"Difficulty"
ORDER BY "featured" DESC, "createdAt" DESC
LIMIT 20;

-- Course details page (seed §3): course by slug with its modules and lessons.
-- each: SELECT "slug" FROM "courses" WHERE "published" ORDER BY "slug" LIMIT 15
SELECT c."id", c."title",
       json_agg(json_build_object('module', m."title",
                                  'lessons', (SELECT json_agg(l."title" ORDER BY l."order") FROM "lessons" l WHERE l."moduleId" = m."id"))
                ORDER BY m."order") AS modules
FROM "courses" c
LEFT JOIN "course_modules" m ON m."courseId" = c."id"
WHERE c."slug" = $1
GROUP BY c."id";

-- N+1: the catalog page loads each course's instructor one query at a time.
-- each: SELECT "instructorId" FROM "courses" ORDER BY "id"
SELECT "id", "name", "image" FROM "users" WHERE "id" = $1;

-- Lessons that use a media asset: "mediaId" has no index, so every call scans lessons.
-- each: SELECT "mediaId" FROM "lessons" WHERE "mediaId" IS NOT NULL GROUP BY "mediaId" ORDER BY "mediaId" LIMIT 20
SELECT "id", "title" FROM "lessons" WHERE "mediaId" = $1;

-- User payment history (seed: transactions by user, newest first): sorts in memory.
-- each: SELECT "userId" FROM "transactions" GROUP BY "userId" ORDER BY "userId" LIMIT 25
SELECT * FROM "transactions" WHERE "userId" = $1 ORDER BY "createdAt" DESC LIMIT 10;

-- Admin: recent pending transactions.
-- repeat: 8
SELECT * FROM "transactions" WHERE "status" = 'PENDING' ORDER BY "createdAt" DESC LIMIT 50;

-- Inactive students: not seen for 30 days and not finished (no index on "lastAccessedAt").
-- repeat: 4
SELECT "userId", "courseId", "progressPercent" FROM "course_progress"
WHERE "lastAccessedAt" < timestamp '2025-07-01' - interval '30 days' AND "progressPercent" < 100;

-- Quiz history for one user and quiz (seed §H): no ("userId", "quizId", "startedAt") index.
-- each: SELECT "userId", "quizId" FROM "quiz_attempts" ORDER BY "id" LIMIT 30
SELECT * FROM "quiz_attempts" WHERE "userId" = $1 AND "quizId" = $2 ORDER BY "startedAt" DESC;

-- Admin dashboard: instructors by join date (no index on "role").
-- repeat: 5
SELECT "id", "email", "name", "createdAt" FROM "users" WHERE "role" = 'INSTRUCTOR' ORDER BY "createdAt" DESC;

-- Catalog search (seed §7): leading-wildcard ILIKE on 120 courses, a few pages: no index pays here.
-- each: SELECT unnest(ARRAY['%ai%', '%web%', '%data%'])
SELECT * FROM "courses"
WHERE "published" = true AND ("title" ILIKE $1 OR "description" ILIKE '%machine learning%')
ORDER BY "featured" DESC, "createdAt" DESC;

-- Session refresh on every request: the token rotates (an indexed column: no HOT update).
-- each: SELECT "sessionToken" FROM "sessions" ORDER BY "id" LIMIT 60
UPDATE "sessions" SET "sessionToken" = md5($1 || ':refresh'), "expires" = "expires" + interval '30 days' WHERE "sessionToken" = $1;

-- Lesson progress update (seed §4), then the course progress it rolls up into.
-- each: SELECT "progressId", "lessonId" FROM "lesson_progress" WHERE NOT "completed" ORDER BY "id" LIMIT 30
UPDATE "lesson_progress" SET "completed" = true, "completedAt" = timestamp '2025-07-01', "watchTimeSeconds" = "watchTimeSeconds" + 60
WHERE "progressId" = $1 AND "lessonId" = $2;

-- each: SELECT "progressId" FROM "lesson_progress" WHERE "completedAt" = timestamp '2025-07-01' GROUP BY "progressId" ORDER BY "progressId"
UPDATE "course_progress"
SET "completedLessons" = least("completedLessons" + 1, "totalLessons"),
    "progressPercent" = least("completedLessons" + 1, "totalLessons") * 100 / "totalLessons",
    "lastAccessedAt" = timestamp '2025-07-01'
WHERE "id" = $1;

-- Instructor analytics (seed §5).
-- each: SELECT "instructorId" FROM "courses" GROUP BY "instructorId" ORDER BY "instructorId" LIMIT 10
SELECT c."id", c."title", ca."totalEnrollments", ca."activeEnrollments", ca."completionRate", ca."totalRevenue"
FROM "courses" c
LEFT JOIN "course_analytics" ca ON ca."courseId" = c."id"
WHERE c."instructorId" = $1
ORDER BY ca."totalRevenue" DESC;

-- Sign-in (credentials provider): the e-mail as typed, compared case-insensitively. users_email_key
-- cannot serve lower("email"), so every sign-in reads the whole users table.
-- each: SELECT upper("email") FROM "users" WHERE "role" = 'STUDENT' ORDER BY "id" LIMIT 12
SELECT "id", "email", "name", "role", "image" FROM "users" WHERE lower("email") = lower($1);

-- Payment reminders: every enrollment still waiting for its payment. 1 % of them are PENDING, the rest
-- COMPLETED, and the rare value is the one asked for.
-- repeat: 6
SELECT "id", "userId", "courseId", "enrolledAt" FROM "enrollments" WHERE "paymentStatus" = 'PENDING';

-- Fraud review: the other payments made from a failed payment's IP address (jsonb containment).
-- each: SELECT jsonb_build_object('ip', "metadata" ->> 'ip')::text FROM "transactions" WHERE "status" = 'FAILED' ORDER BY "id" LIMIT 8
SELECT "id", "userId", "amount", "status", "createdAt" FROM "transactions" WHERE "metadata" @> $1::jsonb;

-- Support: find a payment by the part of the provider's reference a customer reads out.
-- each: SELECT '%' || substr("providerTxnId", 8, 8) || '%' FROM "transactions" ORDER BY "id" LIMIT 3
SELECT "id", "userId", "amount", "status", "createdAt" FROM "transactions" WHERE "providerTxnId" ILIKE $1;
