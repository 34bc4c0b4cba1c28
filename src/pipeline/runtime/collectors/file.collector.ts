import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { PipelineService, SubmittedRawReport } from '../../../services/pipeline.service.ts';
import type { RawReportSource } from '../../../services/ports.ts';

/** Stores a local file as a raw report of `feed`, streamed (never read whole). */
export function submitFile(
  pipeline: PipelineService,
  feed: string,
  file: string,
  options: { source?: RawReportSource; skipDuplicate?: boolean; onBytes?: (n: number) => void } = {},
): Promise<SubmittedRawReport> {
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  const counted = options.onBytes
    ? (async function* () {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          options.onBytes!(chunk.length);
          yield chunk;
        }
      })()
    : (stream as AsyncIterable<Buffer>);
  return pipeline.submitRawReport({
    feed,
    fileName: path.basename(file),
    source: options.source ?? 'file',
    stream: counted,
    ...(options.skipDuplicate ? { skipDuplicate: true } : {}),
  });
}
