import type { FeedConfig, FeedsConfig } from '../../config/feeds.config.ts';

/**
 * Mail attachments routed to feeds: the mail intake asks `matchMailFeeds` which feeds a message
 * belongs to (by sender and/or subject, case-insensitive regular expressions from feeds.yaml;
 * both must match when both are set) and which of its attachments to take, then stores each as
 * `pipeline.submitRawReport({ feed, fileName, content, source: 'mail' })`.
 */

export interface MailEnvelope {
  from: string;
  subject: string;
}

export function matchMailFeeds(feeds: FeedsConfig, mail: MailEnvelope): FeedConfig[] {
  const out: FeedConfig[] = [];
  for (const feed of feeds.feeds) {
    if (!feed.enabled || feed.collector.kind !== 'mail') continue;
    const c = feed.collector;
    if (c.from !== undefined && !new RegExp(c.from, 'i').test(mail.from)) continue;
    if (c.subject !== undefined && !new RegExp(c.subject, 'i').test(mail.subject)) continue;
    out.push(feed);
  }
  return out;
}

/** Does this attachment belong to the feed (its `attachment` pattern; every file when unset)? */
export function acceptsAttachment(feed: FeedConfig, fileName: string): boolean {
  if (feed.collector.kind !== 'mail') return false;
  return feed.collector.attachment === undefined || new RegExp(feed.collector.attachment, 'i').test(fileName);
}
