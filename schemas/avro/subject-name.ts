import type { SerdeTarget } from '../serde.js';

/**
 * How a serde picks the registry subject for a topic. A string is a fixed subject (all topics share it, like
 * Confluent's RecordNameStrategy with one record type); a function derives it from the target.
 */
export type SubjectNameStrategy = string | ((target: SerdeTarget) => string);

/** Confluent's default TopicNameStrategy: `<topic>-key` or `<topic>-value`. */
export function topicNameStrategy(target: SerdeTarget): string {
  return `${target.topic}-${target.isKey ? 'key' : 'value'}`;
}

export function subjectFor(strategy: SubjectNameStrategy | undefined, target: SerdeTarget): string {
  if (strategy === undefined) return topicNameStrategy(target);
  return typeof strategy === 'string' ? strategy : strategy(target);
}
