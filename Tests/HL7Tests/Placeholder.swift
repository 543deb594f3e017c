import Testing
@testable import HL7
