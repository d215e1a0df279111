import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Housekeeping that runs with the state lock held: rescanning, dropping for space, quarantining.
extension SpoolDirectory {
    /// Deletes `.tmp-*` files: a crash between create and rename leaves them, and their batch was
    /// never reported as stored, so nothing is lost by removing them.
    func removeTempFiles() throws {
        var removed = 0
        for name in try SpoolFileIO.list(path) where name.hasPrefix(SpoolFileFormat.tempPrefix) {
            try SpoolFileIO.remove(path + "/" + name)
            removed += 1
        }
        guard removed > 0 else { return }
        try SpoolFileIO.syncDirectory(path)
        logger.notice("removed unfinished spool files left by a crash", metadata: ["count": "\(removed)"])
    }

    /// Re-reads the directory listing: decodes headers of files not seen before (quarantining bad
    /// ones) and forgets files that have disappeared. Known files are not re-read.
    func refresh(_ state: inout State) throws {
        let names = try SpoolFileIO.list(path).filter { $0.hasSuffix(SpoolFileFormat.fileExtension) }.sorted()
        var batches: [String: SpoolBatch] = [:]
        var order: [String] = []
        var totalBytes = 0
        for name in names {
            let batch: SpoolBatch
            if let known = state.batches[name] {
                batch = known
            } else {
                guard let decoded = try readHeader(name, &state) else { continue }
                batch = decoded
            }
            batches[name] = batch
            order.append(name)
            totalBytes += batch.fileSize
        }
        state.batches = batches
        state.order = order
        state.totalBytes = totalBytes
        if let newest = order.last.flatMap({ batches[$0] }), newest.sequence >= state.nextSequence {
            // A file copied in from elsewhere must not be overtaken by our next name.
            state.nextSequence = newest.sequence &+ 1
        }
    }

    /// Decodes one file's header, quarantining it if it does not check out.
    private func readHeader(_ name: String, _ state: inout State) throws -> SpoolBatch? {
        guard let (bytes, size) = try SpoolFileIO.read(path + "/" + name, limit: SpoolFileFormat.maxHeaderLength) else {
            return nil  // removed since listing
        }
        do throws(CorruptionReason) {
            guard SpoolFileFormat.parseFileName(name) != nil else {
                throw CorruptionReason("not a spool batch file name")
            }
            return try SpoolFileFormat.decodeHeader(bytes, fileName: name, fileSize: size).batch
        } catch {
            quarantineFile(name, reason: error.text, &state)
            return nil
        }
    }

    /// Drops the oldest batches until `bytes` more fit under `maxBytes`.
    func makeRoom(for bytes: Int, _ state: inout State) throws {
        var batches = 0
        var records = 0
        while state.totalBytes + bytes > maxBytes, let oldest = state.order.first {
            try SpoolFileIO.remove(path + "/" + oldest)
            records += state.batches[oldest]?.recordCount ?? 0
            batches += 1
            forget(oldest, &state)
        }
        guard batches > 0 else { return }
        // The caller's rename is followed by a directory fsync, which also makes these unlinks durable.
        state.droppedBatches += batches
        state.droppedRecords += records
        logger.warning(
            "spool full: dropped \(records) records (\(batches) oldest batches) to stay under \(maxBytes) bytes",
            metadata: [
                "dropped_batches": "\(batches)", "dropped_records": "\(records)",
                "total_dropped_records": "\(state.droppedRecords)",
            ])
    }

    func forget(_ name: String, _ state: inout State) {
        guard let batch = state.batches.removeValue(forKey: name) else { return }
        state.order.removeAll { $0 == name }
        state.totalBytes -= batch.fileSize
    }

    /// Moves a file into `quarantine/`. Logs instead of throwing: a spool that cannot quarantine must
    /// still make progress, so if the move fails the file is deleted rather than retried forever.
    func quarantineFile(_ name: String, reason: String, _ state: inout State) {
        let source = path + "/" + name
        forget(name, &state)
        if rename(source, quarantinePath + "/" + name) == 0 {
            logger.error(
                "quarantined spool file",
                metadata: ["file": "\(name)", "reason": "\(reason)", "to": "\(quarantinePath)"])
            try? SpoolFileIO.syncDirectory(quarantinePath)
            try? SpoolFileIO.syncDirectory(path)
            trimQuarantine()
            return
        }
        let code = errno
        guard code != ENOENT else { return }
        let removed = unlink(source) == 0
        logger.error(
            "could not quarantine spool file; \(removed ? "deleted it" : "could not delete it either")",
            metadata: ["file": "\(name)", "reason": "\(reason)", "error": "\(SpoolFileIO.errorText(code))"])
    }

    /// Keeps the newest `maxQuarantineFiles` files in quarantine (names sort by creation order).
    private func trimQuarantine() {
        guard let names = try? SpoolFileIO.list(quarantinePath).sorted(),
            names.count > Self.maxQuarantineFiles
        else { return }
        for name in names.prefix(names.count - Self.maxQuarantineFiles) {
            try? SpoolFileIO.remove(quarantinePath + "/" + name)
        }
        logger.warning(
            "quarantine full: deleted oldest files", metadata: ["count": "\(names.count - Self.maxQuarantineFiles)"])
    }
}
