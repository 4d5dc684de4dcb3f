public import Hummingbird
internal import Foundation
internal import SluiceNet
internal import SluiceEngine
internal import SluiceRecorder

/// Body of `POST /rooms/:roomId/recordings`.
struct RecordingBody: Decodable {
    var format: String
    /// Record exactly these producers…
    var producerIds: [String]?
    /// …or every current and future producer of this broadcaster; neither: of the whole room.
    var broadcasterId: String?

    func request() throws -> (ContainerFormat, RecordingSelection) {
        guard let format = ContainerFormat(rawValue: format) else {
            throw Problem.invalid("format: must be one of \(ContainerFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if producerIds != nil && broadcasterId != nil {
            throw Problem.invalid("producerIds, broadcasterId: give one of them, or neither to record the whole room")
        }
        if let producerIds {
            guard !producerIds.isEmpty else { throw Problem.invalid("producerIds: must name at least one producer") }
            for id in producerIds { try Identifier.validate(id, field: "producerIds") }
            return (format, RecordingSelection(producerIds: producerIds))
        }
        if let broadcasterId {
            try Identifier.validate(broadcasterId, field: "broadcasterId")
            return (format, RecordingSelection(broadcasterId: broadcasterId))
        }
        return (format, RecordingSelection(allProducers: true))
    }
}

/// A recording as the API answers it.
struct RecordingResponse: Encodable {
    struct File: Encodable {
        var name: String
        var url: String
        var contentType: String
        var bytes: Int64
        var duration: Double
        var producerIds: [String]
        var finalized: Bool
    }

    var id: String
    var roomId: String
    var format: String
    var state: String
    var selection: RecordingSelection
    var producerIds: [String]
    var createdAt: String
    var files: [File]
    var tracks: [RecordingTrackStatus]
    var bytesWritten: Int64
    var packetsDropped: Int
    var errors: [String]
    var transcodes: [String]

    init(_ summary: RecordingSummary) {
        let status = summary.status
        let base = "/rooms/\(summary.roomId)/recordings/\(summary.id)/files/"
        id = summary.id
        roomId = summary.roomId
        format = status.format
        state = status.state.rawValue
        selection = summary.selection
        producerIds = summary.producerIds
        createdAt = summary.createdAt
        files = status.files.map { file in
            File(
                name: file.name, url: base + file.name, contentType: file.contentType, bytes: file.bytes,
                duration: (file.duration * 1000).rounded() / 1000, producerIds: file.producerIds, finalized: file.finalized)
        }
        tracks = status.tracks
        bytesWritten = status.bytesWritten
        packetsDropped = status.packetsDropped
        errors = status.errors
        transcodes = status.transcodes
    }
}

extension SluiceRoutes {
    static let recording = room + "/recordings/:recordingId"

    func requireRecordings() throws -> RecordingService {
        guard let recordings else { throw Problem(.serviceUnavailable, "unavailable", "recording is not configured") }
        return recordings
    }

    func createRecording(_ request: Request, _ context: Context) async throws -> Response {
        let recordings = try requireRecordings()
        let roomId = try context.parameters.require("roomId")
        var request = request
        guard let body = try await request.decodeJSON(RecordingBody.self, limit: configuration.maxBodySize) else {
            throw Problem.invalid("request body: a JSON object is required")
        }
        let (format, selection) = try body.request()
        let summary = try await recordings.start(roomId: roomId, format: format, selection: selection)
        var response = try JSONCoding.response(RecordingResponse(summary), status: .created)
        response.headers[.location] = "/rooms/\(roomId)/recordings/\(summary.id)"
        return response
    }

    struct RecordingList: Encodable { var recordings: [RecordingResponse] }

    func listRecordings(_ request: Request, _ context: Context) async throws -> Response {
        let recordings = try requireRecordings()
        let (_, roomId) = try worker(context)
        return try JSONCoding.response(RecordingList(recordings: recordings.recordings(roomId: roomId).map(RecordingResponse.init)))
    }

    func getRecording(_ request: Request, _ context: Context) async throws -> Response {
        let recordings = try requireRecordings()
        let roomId = try context.parameters.require("roomId")
        let id = try context.parameters.require("recordingId")
        return try JSONCoding.response(RecordingResponse(try recordings.recording(roomId: roomId, id: id)))
    }

    func deleteRecording(_ request: Request, _ context: Context) async throws -> Response {
        let recordings = try requireRecordings()
        let roomId = try context.parameters.require("roomId")
        let id = try context.parameters.require("recordingId")
        return try JSONCoding.response(RecordingResponse(try await recordings.stop(roomId: roomId, id: id)))
    }

    func recordingFile(_ request: Request, _ context: Context) async throws -> Response {
        try await serveRecordingFile(context, segments: [try context.parameters.require("first")])
    }

    func recordingNestedFile(_ request: Request, _ context: Context) async throws -> Response {
        try await serveRecordingFile(context, segments: [try context.parameters.require("first"), try context.parameters.require("second")])
    }

    /// Serves a file of a recording. Every path segment is checked (letters, digits, `.`, `-`,
    /// `_`, not starting with `.`), so nothing outside the recording's directory is reachable.
    private func serveRecordingFile(_ context: Context, segments: [String]) async throws -> Response {
        let recordings = try requireRecordings()
        let roomId = try context.parameters.require("roomId")
        let id = try context.parameters.require("recordingId")
        for segment in segments where !RecordingFiles.isSafePathSegment(Substring(segment)) {
            throw Problem.invalid("file path: '\(segment)' is not a valid file name")
        }
        let directory = try recordings.directory(roomId: roomId, id: id)
        let relative = segments.joined(separator: "/")
        let path = directory + "/" + relative
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = (attributes[.size] as? NSNumber)?.intValue
        else {
            throw Problem.notFound("file '\(relative)' not found in recording '\(id)'")
        }
        // A file still being written grows: serve the bytes that exist now, as announced.
        let body = size > 0 ? try await FileIO().loadFile(path: path, range: 0...(size - 1), context: context) : ResponseBody()
        var headers: HTTPFields = [.contentType: RecordingFiles.contentType(forName: relative), .contentLength: String(size)]
        if relative.hasSuffix(".m3u8") { headers[.cacheControl] = "no-cache" }
        return Response(status: .ok, headers: headers, body: body)
    }
}
