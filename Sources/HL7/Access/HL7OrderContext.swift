/// What an order says about the exam besides the keys that link it: the ordered procedure, its
/// priority, who asked for it and where the patient lies. Results carry it back (CSV, ORU,
/// FHIR) and routing rules match on it.
public struct HL7OrderContext: Sendable, Hashable {
    /// OBR-4, universal service identifier (the ordered procedure).
    public var procedure: HL7CodedElement?
    /// Table 0027 (`S` stat, `A` ASAP, `R` routine, `P` pre-op, `C` callback, `T` timing
    /// critical): TQ1-9 (v2.5+), else ORC-7.6 or OBR-27.6 (TQ, v2.3–2.4), else OBR-5.
    public var priority: String?
    /// ORC-12, else OBR-16.
    public var orderingProvider: HL7Provider?
    /// PV1-8.
    public var referringProvider: HL7Provider?
    /// PV1-3.1, the point of care (ward, unit, clinic).
    public var ward: String?
    /// ORC-1 `CA`/`DC`/`OC`/`OD` (cancelled or discontinued), or an SIU cancellation or
    /// deletion (S15, S17).
    public var isCancellation: Bool

    public init(procedure: HL7CodedElement? = nil, priority: String? = nil, orderingProvider: HL7Provider? = nil,
                referringProvider: HL7Provider? = nil, ward: String? = nil, isCancellation: Bool = false) {
        self.procedure = procedure; self.priority = priority; self.orderingProvider = orderingProvider
        self.referringProvider = referringProvider; self.ward = ward; self.isCancellation = isCancellation
    }

    /// ORC-1 values that end an order.
    public static let cancellingControls: Set<String> = ["CA", "DC", "OC", "OD"]
}

/// XCN (extended composite ID and name for persons): a provider's ID and name.
public struct HL7Provider: Sendable, Hashable {
    public var id: String?
    public var family: String?
    public var given: String?
    public var prefix: String?

    public init(id: String?, family: String? = nil, given: String? = nil, prefix: String? = nil) {
        self.id = id; self.family = family; self.given = given; self.prefix = prefix
    }

    init?(_ seg: HL7Segment, _ field: Int, rep: Int = 1) {
        self.init(id: seg.string(field, rep, 1), family: seg.string(field, rep, 2, 1), given: seg.string(field, rep, 3),
                  prefix: seg.string(field, rep, 6))
        if id == nil && family == nil && given == nil { return nil }
    }
}

extension HL7Message {
    public var orderContext: HL7OrderContext {
        let orc = self.orcs.first, obr = self.obrs.first, pv1 = self.pv1
        let tq1 = segment("TQ1")
        let priority = [tq1?.string(9), orc?.segment.string(7, 1, 6), obr?.segment.string(27, 1, 6), obr?.segment.string(5)]
            .lazy.compactMap { $0 }.first
        let type = messageType
        let siuCancel = type?.code == "SIU" && ["S15", "S17"].contains(type?.trigger ?? "")
        return HL7OrderContext(
            procedure: obr?.universalServiceID,
            priority: priority,
            orderingProvider: orc.flatMap { HL7Provider($0.segment, 12) } ?? obr.flatMap { HL7Provider($0.segment, 16) },
            referringProvider: pv1.flatMap { HL7Provider($0.segment, 8) },
            ward: pv1?.assignedLocation[0],
            isCancellation: siuCancel || orcs.contains { HL7OrderContext.cancellingControls.contains($0.orderControl ?? "") })
    }
}
