import FathomShared
import Hummingbird
import HummingbirdCore
import NIOCore

/// Writes a time series as esmond's JSON array `[{"ts":…,"val":…},…]` page by page: each page
/// is read from the store with a byte budget and written before the next is read, so a reader
/// asking for the largest `limit` over the widest range costs one page of memory, not the series.
///
/// ```swift
/// let body = try await ArchiveSeriesBody.make(store: store, query: query, kind: .json, type: .base)
/// return Response(status: .ok, headers: headers, body: body)
/// ```
enum ArchiveSeriesBody {
    /// Stored bytes per page; with values of at most ``ArchiveValueValidator/maxValueBytes`` a page
    /// holds a few MB of decoded values at worst.
    static let pageBytes = 256 << 10

    /// Reads the first page here, so a store failure is still an ordinary error answer; later
    /// pages are read while the body is written (a failure then cuts the connection short).
    static func make(
        store: any ArchiveStore, query: ArchiveSeriesQuery, kind: ArchiveValueKind, type: ArchiveSummaryType
    ) async throws -> ResponseBody {
        var firstPage = query
        firstPage.maxBytes = pageBytes
        let first = try await store.points(firstPage)
        return ResponseBody { [firstPage] writer in
            var page = firstPage
            var points = first
            var remaining = query.limit
            var buffer = ByteBuffer(string: "[")
            var separator = false
            while !points.isEmpty {
                for point in points {
                    if separator { buffer.writeString(",") }
                    separator = true
                    let value = SummaryFolding.readBack(point.value, kind: kind, type: type)
                    buffer.writeBytes(JSONText.bytes(.object(["ts": .integer(point.ts), "val": value])))
                }
                try await writer.write(buffer)
                buffer.clear()
                remaining -= points.count
                guard remaining > 0, let last = points.last else { break }
                // Keyset paging: ts is unique in a series, so the next page starts after the last one.
                page.offset = 0
                page.limit = remaining
                page.time.begin = last.ts + 1
                points = try await store.points(page)
            }
            buffer.writeString("]")
            try await writer.write(buffer)
            try await writer.finish(nil)
        }
    }
}
