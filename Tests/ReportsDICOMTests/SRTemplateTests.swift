import DICOM
import Reports
import Testing

/// The template types refuse arguments a validator would reject, before anything is written.
@Suite struct SRTemplateTests {
    let image = try! SRInstanceReference(sopClassUID: "1.2.840.10008.5.1.4.1.1.1", sopInstanceUID: "1.2.3.4")

    @Test func codedConceptChecksItsParts() throws {
        #expect(throws: SRContentError.self) { try CodedConcept("", "SCT", "x") }
        #expect(throws: SRContentError.self) { try CodedConcept("1", "A_SCHEME_LONGER_THAN_16", "x") }
        #expect(throws: SRContentError.self) { try CodedConcept("1", "SCT", String(repeating: "m", count: 65)) }
        let long = try CodedConcept(String(repeating: "7", count: 20), "99X", "long")
        #expect(long.item.string(.longCodeValue) == String(repeating: "7", count: 20))
        #expect(!long.item.contains(.codeValue))
    }

    @Test func contentItemsCheckValues() throws {
        #expect(throws: SRContentError.self) { try ContentItem.text(.algorithmName, "", relationship: .hasConceptMod) }
        #expect(throws: SRContentError.self) { try ContentItem.uidref(.trackingUniqueIdentifier, "1.02.3", relationship: .hasObsContext) }
        #expect(throws: SRContentError.self) { try ContentItem.num(.certaintyOfFinding, .nan, units: .noUnits, relationship: .contains) }
        #expect(throws: SRContentError.self) { try ContentItem.scoord(.imageRegion, .point, [1, 2, 3, 4], on: image, relationship: .contains) }
        #expect(throws: SRContentError.self) { try ContentItem.scoord(.imageRegion, .circle, [1, 2], on: image, relationship: .contains) }
        #expect(throws: SRContentError.self) { try SRInstanceReference(sopClassUID: "x", sopInstanceUID: "1.2") }
        #expect(throws: SRContentError.self) {
            try TID1410MeasurementGroup.ImageRegion(graphicType: .multipoint, coordinates: [1, 1], image: image)
        }
    }

    @Test func measurementGroupChecksCertaintyAndPicksItsTemplate() throws {
        func group(certainty: Double?, region: TID1410MeasurementGroup.ImageRegion?) throws -> TID1410MeasurementGroup {
            try TID1410MeasurementGroup(trackingIdentifier: "t", trackingUID: "1.2.3", finding: .clinicalFindingAbsent,
                                        findingSites: [.lung], algorithm: nil, certainty: certainty, priority: nil, region: region)
        }
        #expect(throws: SRContentError.self) { try group(certainty: 1.5, region: nil) }
        #expect(try group(certainty: 0.5, region: nil).templateID == "1501")
        let region = try TID1410MeasurementGroup.ImageRegion(graphicType: .point, coordinates: [2, 3], image: image)
        let g = try group(certainty: 0.5, region: region)
        #expect(g.templateID == "1410")
        let item = try g.contentItem()
        #expect(item.flattened.map(\.valueType) == ["CONTAINER", "TEXT", "UIDREF", "CODE", "CODE", "NUM", "SCOORD", "IMAGE"])
        #expect(item.dataSet.string(.relationshipType) == "CONTAINS")
        #expect(try TID4019AlgorithmIdentification(name: "m", version: "1").contentItems().map(\.relationship) == [.hasConceptMod, .hasConceptMod])
        #expect(throws: SRContentError.self) { try TID4019AlgorithmIdentification(name: "", version: "1") }
        #expect(throws: SRContentError.self) {
            try TID1001ObservationContext(deviceObserverUID: "not a uid", name: nil, manufacturer: nil, modelName: nil)
        }
    }

    @Test func reportRootHasNoRelationshipAndNamesTemplate1500() throws {
        let observer = try TID1001ObservationContext(deviceObserverUID: "1.2.3", name: "m", manufacturer: "Sluice", modelName: "m")
        #expect(throws: SRContentError.self) {
            try TID1500MeasurementReport(observationContext: observer, proceduresReported: [.imagingProcedure], groups: [])
        }
        let g = try TID1410MeasurementGroup(trackingIdentifier: "t", trackingUID: "1.2.3", finding: .clinicalFindingAbsent,
                                            findingSites: [], algorithm: nil, certainty: nil, priority: nil, region: nil)
        let root = try TID1500MeasurementReport(observationContext: observer, proceduresReported: [.imagingProcedure], groups: [g]).documentContent()
        #expect(!root.contains(.relationshipType))
        #expect(root.string(.valueType) == "CONTAINER")
        #expect(root.string(.continuityOfContent) == "SEPARATE")
        guard case .items(let t)? = root.element(.contentTemplateSequence)?.value else { Issue.record("no template"); return }
        #expect(t.first?.string(.templateIdentifier) == "1500" && t.first?.string(.mappingResource) == "DCMR")
    }

    @Test func timestampsParseWithoutTheLocalZone() {
        let t = DICOMDateTime(iso8601: "2025-01-10T06:30:00.25+01:00")
        #expect(t?.date == "20250110" && t?.time == "063000.25" && t?.offset == "+0100")
        #expect(DICOMDateTime(iso8601: "2025-01-10T06:30:00Z")?.dateTime == "20250110063000+0000")
        #expect(DICOMDateTime(iso8601: "2025-13-10T06:30:00Z") == nil)
        #expect(DICOMDateTime(iso8601: "") == nil)
    }
}
