import type { Config } from '../config/config.ts';
import type { Clock } from '../core/shared/clock.ts';
import type { Database } from '../db/database.ts';
import type { FeedsConfig } from '../pipeline/config/feeds.config.ts';
import { acceptsAttachment, matchMailFeeds } from '../pipeline/runtime/collectors/mail.collector.ts';
import type { FeedMailRouter, FeedMailSubmission } from '../services/mail-intake.service.ts';
import type { PipelineService } from '../services/pipeline.service.ts';
import { composePipelineService, feedsSourceOf } from './compose-pipeline.ts';

/**
 * The mail collector of the feed pipeline as the mail intake's feed router: the feeds whose `mail`
 * collector matches the message's From and Subject take the attachments their `attachment`
 * pattern accepts; each is stored as a raw report (source `mail`). `skipDuplicate`: the same
 * attachment submitted again (a processor that died before marking the message processed, a
 * retry) returns the report stored before instead of storing it twice.
 */
export function createMailFeedRouter(deps: {
  feeds: () => FeedsConfig;
  pipeline: Pick<PipelineService, 'submitRawReport'>;
  /** Largest attachment accepted, bytes (larger → the message fails with the reason). */
  maxBytes?: number;
}): FeedMailRouter {
  return async (mail) => {
    const feeds = matchMailFeeds(deps.feeds(), { from: mail.from, subject: mail.subject });
    const out: FeedMailSubmission[] = [];
    for (const feed of feeds) {
      for (const [i, a] of mail.attachments.entries()) {
        const fileName = a.fileName !== '' ? a.fileName : `attachment-${i + 1}`;
        if (!acceptsAttachment(feed, fileName)) continue;
        const stored = await deps.pipeline.submitRawReport({
          feed: feed.name,
          fileName,
          source: 'mail',
          content: a.content,
          skipDuplicate: true,
          ...(deps.maxBytes !== undefined ? { maxBytes: deps.maxBytes } : {}),
        });
        out.push({ feed: feed.name, fileName, rawReportId: stored.id, duplicate: stored.duplicate });
      }
    }
    return out;
  };
}

/** The feed router over one database and the configured feeds file (re-read when it changes). */
export function composeMailFeedRouter(database: Database, config: Config, clock: Clock): FeedMailRouter {
  return createMailFeedRouter({
    feeds: feedsSourceOf(config),
    pipeline: composePipelineService(database, config, clock),
  });
}
