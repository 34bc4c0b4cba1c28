import type { Catalogue } from '../catalogue.ts';

/** The feed pipeline: ingest, workers, raw reports, dead letters, feeds, upload API. */
export const pipeline: Catalogue = {
  'zh-CN': {
    'pipeline.ingest.summary':
      '{file}：{lines} 行，产生事件 {events} 条，新存储 {stored} 条，合并重复 {merged} 条，死信 {dead} 条，{rate} 条事件/秒（原始报告 #{report}）',
    'pipeline.ingest.duplicate': '{file}：内容与原始报告 #{report} 相同，未重复导入',
    'pipeline.ingest.total':
      '合计：{files} 个文件，事件 {events} 条，新存储 {stored} 条，合并重复 {merged} 条，死信 {dead} 条，用时 {seconds} 秒，{rate} 条事件/秒',
    'pipeline.run.report':
      '原始报告 #{report}（{feed}）：{state}，事件 {events} 条，新存储 {stored} 条，死信 {dead} 条',
    'pipeline.run.none': '没有待处理的原始报告',
    'pipeline.run.watching': '正在等待新的原始报告（Ctrl+C 结束）',
    'pipeline.reprocess.done':
      '原始报告 #{report} 已重置：删除事件 {deleted} 条，扣减共享事件 {reduced} 条，删除死信 {dead} 条',
    'pipeline.reprocess.queued': '原始报告 #{report} 已排队，等待工作进程重新处理',
    'pipeline.errors.none': '没有未处理的死信',
    'pipeline.errors.row': '#{id} 报告 #{report} {feed} 第 {line} 行：{error}',
    'pipeline.retry.summary':
      '重试死信 {retried} 条：成功 {succeeded} 条，仍失败 {failed} 条，新存储事件 {stored} 条',
    'pipeline.worker.started': '工作进程 {worker} 已启动',
    'pipeline.worker.sqlite':
      '注意：嵌入式 SQLite 同一时间只有一个写入者，多个工作进程不会更快；多工作进程请使用 PostgreSQL',
    'pipeline.feeds.none': '没有配置数据源（{file}）',
    'pipeline.feeds.header': '名称 | 解析器 | 采集方式 | 启用 | 上次运行 | 状态 | 报告 | 事件 | 错误',
    'pipeline.feeds.file': '配置文件：{file}',
    'pipeline.reports.row':
      '#{id} {feed} {file} {state} {bytes} 字节 已处理至第 {lines} 行 事件 {events} 死信 {errors}',
    'pipeline.state.pending': '待处理',
    'pipeline.state.processing': '处理中',
    'pipeline.state.done': '完成',
    'pipeline.state.failed': '失败',
    'pipeline.state.lost': '已被其他工作进程接管',
    'pipeline.state.receiving': '接收中',
    'pipeline.upload.unknown_feed': '没有名为“{name}”的数据源',
    'pipeline.upload.too_large': '上传内容超过 {limit} 字节',
    'pipeline.upload.empty': '上传内容为空',
    'pipeline.feed.field.name': '数据源名称',
    'pipeline.yes': '是',
    'pipeline.no': '否',
  },
  en: {
    'pipeline.ingest.summary':
      '{file}: {lines} lines, {events} events, {stored} stored, {merged} duplicates merged, {dead} dead letters, {rate} events/s (raw report #{report})',
    'pipeline.ingest.duplicate': '{file}: same content as raw report #{report}; not ingested again',
    'pipeline.ingest.total':
      'total: {files} files, {events} events, {stored} stored, {merged} duplicates merged, {dead} dead letters in {seconds} s, {rate} events/s',
    'pipeline.run.report':
      'raw report #{report} ({feed}): {state}, {events} events, {stored} stored, {dead} dead letters',
    'pipeline.run.none': 'no raw reports waiting',
    'pipeline.run.watching': 'waiting for new raw reports (Ctrl+C to stop)',
    'pipeline.reprocess.done':
      'raw report #{report} reset: {deleted} events deleted, {reduced} shared events reduced, {dead} dead letters removed',
    'pipeline.reprocess.queued': 'raw report #{report} queued for a worker to re-derive',
    'pipeline.errors.none': 'no open dead letters',
    'pipeline.errors.row': '#{id} report #{report} {feed} line {line}: {error}',
    'pipeline.retry.summary':
      'retried {retried} dead letters: {succeeded} succeeded, {failed} still failing, {stored} events stored',
    'pipeline.worker.started': 'worker {worker} started',
    'pipeline.worker.sqlite':
      'note: embedded SQLite has one writer at a time, so several workers add no speed; use PostgreSQL for several workers',
    'pipeline.feeds.none': 'no feeds configured ({file})',
    'pipeline.feeds.header':
      'name | parser | collector | enabled | last run | status | reports | events | errors',
    'pipeline.feeds.file': 'feeds file: {file}',
    'pipeline.reports.row':
      '#{id} {feed} {file} {state} {bytes} bytes, lines done {lines}, {events} events, {errors} dead letters',
    'pipeline.state.pending': 'pending',
    'pipeline.state.processing': 'processing',
    'pipeline.state.done': 'done',
    'pipeline.state.failed': 'failed',
    'pipeline.state.lost': 'taken over by another worker',
    'pipeline.state.receiving': 'receiving',
    'pipeline.upload.unknown_feed': 'no feed named "{name}"',
    'pipeline.upload.too_large': 'upload larger than {limit} bytes',
    'pipeline.upload.empty': 'empty upload',
    'pipeline.feed.field.name': 'feed name',
    'pipeline.yes': 'yes',
    'pipeline.no': 'no',
  },
};
