package dev.dualtrack.scanner.zip;

/** What the stream showed of one entry, to be checked against its central directory record. */
record ZipEntryRecord(String name, byte[] rawName, long offset, int flags, int method, long crc, long compressedSize,
        long size) {
}
