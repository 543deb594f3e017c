import HL7
import Reports

/// Reduces an HL7 file to the orders that link to studies; malformed messages become
/// quarantine reasons naming the message and segment, and the rest of the file goes on.
enum HL7Orders {
    static func extract(_ file: HL7File, file path: String) -> ValidateStage.Parsed {
        var orders: [OrderInfo] = []
        for message in file.messages {
            let keys = message.orderKeys
            let type = keys.messageType?.description ?? "unknown"
            orders.append(OrderInfo(
                file: path, messageIndex: message.index, messageType: type,
                accessionNumbers: keys.accessionCandidates, placerOrderNumber: keys.placerOrderNumbers.first,
                studyInstanceUID: keys.studyInstanceUIDs.first,
                patientIDs: keys.patientIdentifiers.map(\.id),
                issuers: keys.patientIdentifiers.map(\.assigningAuthority),
                fillerOrderNumber: keys.fillerOrderNumbers.first,
                context: OrderContext(message.orderContext)))
        }
        let problems = file.errors.map { "HL7: \($0.problem)" }
        if orders.isEmpty && problems.isEmpty { return .quarantined("HL7 file without messages") }
        return .orders(orders, problems: problems)
    }
}

extension OrderContext {
    init(_ hl7: HL7OrderContext) {
        func person(_ p: HL7Provider?) -> Person? { p.map { Person(id: $0.id, family: $0.family, given: $0.given, prefix: $0.prefix) } }
        self.init(
            procedure: hl7.procedure.map { Coded(code: $0.identifier, meaning: $0.text, scheme: $0.codingSystem) },
            priority: hl7.priority, orderingProvider: person(hl7.orderingProvider), referringProvider: person(hl7.referringProvider),
            ward: hl7.ward, cancelled: hl7.isCancellation)
    }
}
