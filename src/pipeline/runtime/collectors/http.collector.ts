import type { PipelineService } from '../../../services/pipeline.service.ts';
import type { FeedConfig } from '../../config/feeds.config.ts';

/**
 * An HTTP(S) feed on a schedule, with conditional GET: the ETag and Last-Modified of the last
 * download (feed_state) go out as If-None-Match / If-Modified-Since; 304 stores nothing. A 200
 * body is streamed into a raw report (size-limited).
 */

export type FetchOutcome =
  | { status: 'stored'; reportId: number; bytes: number }
  | { status: 'duplicate'; reportId: number }
  | { status: 'not_modified' }
  | { status: 'error'; error: string };

export async function fetchHttpFeed(
  feed: FeedConfig,
  pipeline: PipelineService,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
): Promise<FetchOutcome> {
  if (feed.collector.kind !== 'http') throw new Error(`feed ${feed.name} has no http collector`);
  const c = feed.collector;
  const state = await pipeline.getFeedState(feed.name);
  const headers: Record<string, string> = { 'user-agent': 'certops', ...c.headers };
  if (state?.etag) headers['if-none-match'] = state.etag;
  if (state?.lastModified) headers['if-modified-since'] = state.lastModified;
  const doFetch = options.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(c.url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 300_000) });
  } catch (e) {
    const error = `GET ${c.url}: ${(e as Error).message}`;
    await pipeline.recordFetch({ feed: feed.name, status: 'error', error });
    return { status: 'error', error };
  }
  if (res.status === 304) {
    await res.body?.cancel();
    await pipeline.recordFetch({ feed: feed.name, status: 'not_modified' });
    return { status: 'not_modified' };
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    const error = `GET ${c.url}: HTTP ${res.status}`;
    await pipeline.recordFetch({ feed: feed.name, status: 'error', error });
    return { status: 'error', error };
  }
  const fileName =
    c.fileName ?? (decodeURIComponent(new URL(c.url).pathname.split('/').pop() ?? '') || feed.name);
  try {
    const r = await pipeline.submitRawReport({
      feed: feed.name,
      fileName,
      source: 'http',
      stream: res.body as unknown as AsyncIterable<Uint8Array>,
      maxBytes: c.maxBytes,
      skipDuplicate: true,
    });
    await pipeline.recordFetch({
      feed: feed.name,
      status: 'ok',
      etag: res.headers.get('etag'),
      lastModified: res.headers.get('last-modified'),
    });
    return r.duplicate
      ? { status: 'duplicate', reportId: r.id }
      : { status: 'stored', reportId: r.id, bytes: r.bytes };
  } catch (e) {
    const error = `GET ${c.url}: ${(e as Error).message}`;
    await pipeline.recordFetch({ feed: feed.name, status: 'error', error });
    return { status: 'error', error };
  }
}

/** Runs fetchHttpFeed every intervalSeconds (first run when the last fetch is older than that). */
export function startHttpCollector(
  feed: FeedConfig,
  pipeline: PipelineService,
  options: { onOutcome?: (o: FetchOutcome) => void; fetch?: typeof fetch } = {},
): { stop(): void } {
  if (feed.collector.kind !== 'http') throw new Error(`feed ${feed.name} has no http collector`);
  const intervalMs = feed.collector.intervalSeconds * 1000;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const run = async () => {
    if (stopped) return;
    try {
      const o = await fetchHttpFeed(feed, pipeline, options.fetch ? { fetch: options.fetch } : {});
      options.onOutcome?.(o);
    } catch (e) {
      options.onOutcome?.({ status: 'error', error: (e as Error).message });
    }
    if (!stopped) {
      timer = setTimeout(() => void run(), intervalMs);
      timer.unref();
    }
  };
  void (async () => {
    const state = await pipeline.getFeedState(feed.name).catch(() => null);
    const last = state?.lastFetchAt ? Date.parse(state.lastFetchAt) : 0;
    const wait = Math.max(0, last + intervalMs - Date.now());
    timer = setTimeout(() => void run(), wait);
    timer.unref();
  })();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
