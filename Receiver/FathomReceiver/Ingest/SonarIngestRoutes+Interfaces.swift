import FathomShared
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `POST /interfaces?cluster=C`: interface counter records, admitted by the same checks as the
/// sonar uploads (method, content type, credentials, cluster, batch id, size), then validated
/// whole and stored in one transaction before the 200.
extension SonarIngestRoutes {
    func storeInterfaces(
        _ bytes: [UInt8], store: any InterfaceStore, cluster: StorageName, batchID: String?, request: Request,
        context: IngestRequestContext, user: String
    ) async -> Response {
        let upload: InterfaceUpload
        do {
            upload = try InterfaceUploadValidator(maxLineBytes: validator.maxLineBytes).validate(
                bytes, cluster: cluster, batchID: batchID)
        } catch {
            return reject(
                .badRequest, error.message, request: request, context: context, cluster: cluster.value, user: user)
        }
        do {
            if try await store.store(upload) == .duplicate {
                logger.info(
                    "replayed interface batch acknowledged without writing",
                    metadata: ["cluster": "\(cluster)", "batch": "\(batchID ?? "")"])
            }
            metrics?.uploadAnswered(cluster: cluster.value, status: 200, bytes: bytes.count)
            return Response(status: .ok)
        } catch {
            logger.error("interface upload not stored", metadata: ["cluster": "\(cluster)", "error": "\(error)"])
            let diskFull = (error as? DatabaseError)?.resultCode == .SQLITE_FULL
            let status: HTTPResponse.Status =
                diskFull ? .init(code: 507, reasonPhrase: "Insufficient Storage") : .serviceUnavailable
            answered(status, cluster: cluster.value, user: user)
            return Response(status: status, body: ResponseBody(byteBuffer: ByteBuffer(string: "Storage unavailable\n")))
        }
    }
}
