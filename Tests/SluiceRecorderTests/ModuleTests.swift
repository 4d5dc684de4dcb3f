import Testing
@testable import SluiceRecorder

@Suite struct ModuleTests {
    @Test func moduleLinks() {
        #expect(String(describing: SluiceRecorderModule.self) == "SluiceRecorderModule")
    }
}
