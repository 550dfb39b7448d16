/**
 * Partition choices of Kafka's Java client, generated with kafka-clients 4.4.0 (the broker's own jar):
 *   java -cp ".kafka/lib/*" Gen.java   where Gen prints, per UTF-8 key,
 *   Utils.murmur2(bytes) and Utils.toPositive(Utils.murmur2(bytes)) % n for each n in PARTITION_COUNTS.
 * Kafka's UtilsTest vectors ("21", "foobar", "abc", ...) are among them.
 */
export const PARTITION_COUNTS = [1, 3, 4, 7, 12, 16, 64] as const;

/** [key, murmur2 (signed int), partition for each of PARTITION_COUNTS] */
export const JAVA_MURMUR2: ReadonlyArray<readonly [string, number, readonly number[]]> = [
  ['', 275646681, [0, 0, 1, 2, 9, 9, 25]],
  ['a', -1563381124, [0, 1, 0, 5, 4, 12, 60]],
  ['21', -973932308, [0, 0, 0, 3, 0, 12, 44]],
  ['foobar', -790332482, [0, 0, 2, 0, 6, 14, 62]],
  ['abc', 479470107, [0, 0, 3, 4, 3, 11, 27]],
  ['host-1', 761340765, [0, 0, 1, 3, 9, 13, 29]],
  ['host-2', 1641807579, [0, 0, 3, 6, 3, 11, 27]],
  ['cpu.user', -1398342841, [0, 1, 3, 2, 7, 7, 7]],
  ['sensor-0042', 662573077, [0, 1, 1, 5, 1, 5, 21]],
  ['ключ', 2122343024, [0, 2, 0, 4, 8, 0, 48]],
  ['日本語キー', 1445825182, [0, 1, 2, 4, 10, 14, 30]],
  ['a-little-bit-longer-string', -1486304829, [0, 2, 3, 0, 11, 3, 3]],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971, [0, 2, 1, 3, 5, 13, 13]],
  ['k0', -704538303, [0, 2, 1, 2, 5, 1, 1]],
  ['k1', 1684045097, [0, 2, 1, 0, 5, 9, 41]],
  ['k2', 380483553, [0, 0, 1, 2, 9, 1, 33]],
  ['k3', 1676809936, [0, 1, 0, 4, 4, 0, 16]],
  ['k4', 2081920360, [0, 1, 0, 2, 4, 8, 40]],
  ['k5', 1075192044, [0, 0, 0, 3, 0, 12, 44]],
  ['k6', 212943985, [0, 1, 1, 2, 1, 1, 49]],
  ['k7', 1526671408, [0, 1, 0, 3, 4, 0, 48]],
  ['k8', -1408899258, [0, 2, 2, 5, 2, 6, 6]],
  ['k9', -929672844, [0, 2, 0, 0, 8, 4, 52]],
  ['user:12345', 1192617008, [0, 2, 0, 2, 8, 0, 48]],
  ['0123456789abcdef0', 1856781438, [0, 0, 2, 1, 6, 14, 62]],
];

/** A binary key (bytes 0x00 0xff 0x80 0x7f 0x01 0x02 0x03): signed bytes must hash like Java's. */
export const JAVA_BINARY_KEY = {
  bytes: [0x00, 0xff, 0x80, 0x7f, 0x01, 0x02, 0x03],
  murmur2: -87044224,
} as const;
