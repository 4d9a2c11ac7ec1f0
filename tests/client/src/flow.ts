// A mobile app's first session, written against the client generated from Cutaway's live
// OpenAPI document (src/schema.d.ts, by openapi-typescript) and openapi-fetch: register →
// generate → publish → like → the feed, page by page through its cursor → comment →
// notifications. Compiled with `tsc --strict` (tsconfig.json): no casts, no `any`; every
// response is narrowed from what the schema says. tests/test_typed_client.py runs it against a
// live server and reads the summary it prints.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Video = components["schemas"]["Video"];
type Job = components["schemas"]["GenerationJob"];
type Notification = components["schemas"]["Notification"];

declare const process: { argv: string[]; exitCode?: number };

const baseUrl = process.argv[2] ?? "http://127.0.0.1:8000";
const runId = process.argv[3] ?? "run";

function need<T>(value: T | undefined, what: string, response: Response, error?: unknown): T {
  if (value === undefined) {
    throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(error)}`);
  }
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function register(handle: string) {
  const anonymous = createClient<paths>({ baseUrl });
  const { data, error, response } = await anonymous.POST("/api/v1/auth/register", {
    body: { handle, email: `${handle}@example.com`, password: "a long passphrase 2026" },
  });
  const account = need(data, "register", response, error);
  const client = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${account.access}` },
  });
  return { handle: account.user.handle, client };
}

type Client = Awaited<ReturnType<typeof register>>["client"];

async function generate(client: Client, prompt: string, key: string): Promise<Job> {
  const created = await client.POST("/api/v1/generations", {
    params: { header: { "Idempotency-Key": key } },
    body: { prompt, seconds: 4, aspect: "9:16" },
  });
  const answer = need(created.data, "generate", created.response, created.error);
  // One candidate asked for: the single-job shape (`{jobs}` answers `variants` > 1).
  if ("jobs" in answer) throw new Error("generate: asked for one job, got a group");
  let job: Job = answer;
  for (let attempt = 0; attempt < 600 && job.status !== "succeeded"; attempt++) {
    if (job.status === "failed" || job.status === "blocked" || job.status === "cancelled") {
      throw new Error(`job ${job.id} ended ${job.status}: ${job.error?.message ?? ""}`);
    }
    await sleep(200);
    const polled = await client.GET("/api/v1/generations/{job_id}", {
      params: { path: { job_id: job.id } },
    });
    job = need(polled.data, "poll", polled.response, polled.error);
  }
  return job;
}

async function publish(client: Client, job: Job, caption: string): Promise<Video> {
  const { data, error, response } = await client.POST("/api/v1/videos", {
    body: { generation: job.id, caption, visibility: "public" },
  });
  return need(data, "publish", response, error);
}

function cursorOf(next: string | null): string | undefined {
  return next === null ? undefined : (new URL(next).searchParams.get("cursor") ?? undefined);
}

async function main(): Promise<void> {
  const ava = await register(`ava_${runId}`);
  const ben = await register(`ben_${runId}`);
  const cleo = await register(`cleo_${runId}`); // a second author: the feed mixes authors

  const creators = [
    { author: ava, prompt: "A paper boat drifts down a rainy street." },
    { author: cleo, prompt: "A paper boat reaches a sunny harbour." },
  ];
  const jobs: Job[] = [];
  const videos: Video[] = [];
  for (const [index, { author, prompt }] of creators.entries()) {
    const job = await generate(author.client, prompt, `${runId}-${index + 1}`);
    jobs.push(job);
    videos.push(await publish(author.client, job, `Boat, part ${index + 1} #boats`));
  }
  const first = videos[0];
  if (first === undefined) throw new Error("nothing published");

  const like = await ben.client.POST("/api/v1/videos/{video_id}/like", {
    params: { path: { video_id: first.id } },
  });
  if (like.response.status !== 201) throw new Error(`like: HTTP ${like.response.status}`);
  const again = await ben.client.POST("/api/v1/videos/{video_id}/like", {
    params: { path: { video_id: first.id } },
  });

  // The "for you" feed one video a page, following each page's `next` cursor.
  const seen: string[] = [];
  const likedOnFeed: boolean[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await ben.client.GET("/api/v1/feed", {
      params: { query: { page_size: 1, ...(cursor === undefined ? {} : { cursor }) } },
    });
    const body = need(page.data, "feed", page.response, page.error);
    for (const video of body.results) {
      seen.push(video.id);
      likedOnFeed.push(video.liked_by_me);
    }
    cursor = cursorOf(body.next);
    pages += 1;
  } while (cursor !== undefined && pages < 10);

  const comment = await ben.client.POST("/api/v1/videos/{video_id}/comments", {
    params: { path: { video_id: first.id } },
    body: { body: "Lovely boat!" },
  });
  const posted = need(comment.data, "comment", comment.response, comment.error);

  const inbox = await ava.client.GET("/api/v1/notifications", {});
  const notifications: Notification[] = need(
    inbox.data,
    "notifications",
    inbox.response,
    inbox.error,
  ).results;

  const detail = await ben.client.GET("/api/v1/videos/{video_id}", {
    params: { path: { video_id: first.id } },
  });
  const liked = need(detail.data, "video", detail.response, detail.error);

  const summary = {
    published: videos.map((video) => video.id),
    jobs: jobs.map((job) => job.status),
    like_status: like.response.status,
    repeated_like_status: again.response.status,
    feed_pages: pages,
    feed_seen: seen,
    liked_on_feed: likedOnFeed,
    comment: { id: posted.id, body: posted.body, author: posted.author.handle },
    notifications: notifications.map((item) => ({
      kind: item.kind,
      actor: item.actor === null ? null : item.actor.handle,
      created_at: item.created_at,
    })),
    like_count: liked.like_count,
    comment_count: liked.comment_count,
    request_id: detail.response.headers.get("X-Request-ID"),
  };
  console.log(JSON.stringify(summary));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
