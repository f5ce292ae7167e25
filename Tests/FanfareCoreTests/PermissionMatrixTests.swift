import FanfareCore
import Testing

/// The whole matrix written out a second time, cell by cell: a change to
/// who may do what must be made in both places, on purpose.
@Suite struct PermissionMatrixTests {
    /// Columns in `WorkspaceAction.allCases` order; X = allowed.
    static let expected: [Role: String] = [
        //         wv wu mv mi mm av ac cv ce cr cl cs iv ir ie ix rm ml fv fp fm an re pm
        .admin: "X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X",
        .manager: "X  .  X  X  .  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X  X",
        .editor: "X  .  .  .  .  .  .  X  X  .  .  X  X  .  .  .  .  .  X  .  .  X  .  .",
        .reviewer: "X  .  .  .  .  .  .  X  .  X  .  .  X  .  .  .  .  .  X  .  .  X  .  .",
        .legal: "X  .  .  .  .  X  .  X  .  .  X  .  X  .  .  .  .  X  .  .  .  X  .  .",
        .agent: "X  .  .  .  .  .  .  X  .  .  .  .  X  X  X  .  .  .  X  X  .  X  .  .",
        .expert: "X  .  .  .  .  .  .  X  .  .  .  .  X  X  .  X  .  .  X  .  .  X  .  .",
        .analyst: "X  .  .  .  .  .  .  X  .  .  .  .  X  .  .  .  .  .  X  .  .  X  X  .",
        .viewer: "X  .  .  .  .  .  .  X  .  .  .  .  .  .  .  .  .  .  .  .  .  X  .  .",
    ]

    @Test func everyRoleAndActionMatchesTheTable() {
        #expect(WorkspaceAction.allCases.count == 24, "a new action needs a new column in the table above")
        for role in Role.allCases {
            let row = Self.expected[role]!.split(separator: " ", omittingEmptySubsequences: true)
            #expect(row.count == WorkspaceAction.allCases.count, "row for \(role) has \(row.count) cells")
            for (action, cell) in zip(WorkspaceAction.allCases, row) {
                #expect(PermissionMatrix.standard.allows(role, action) == (cell == "X"), "\(role) × \(action.rawValue)")
            }
        }
    }

    @Test func onlyAdminsManageMembersAndTheWorkspace() {
        #expect(PermissionMatrix.standard.roles(allowing: .membersManage) == [.admin])
        #expect(PermissionMatrix.standard.roles(allowing: .workspaceUpdate) == [.admin])
    }

    @Test func everyActionHasSomeoneWhoMayDoIt() {
        for action in WorkspaceAction.allCases {
            #expect(!PermissionMatrix.standard.roles(allowing: action).isEmpty, "\(action)")
        }
    }

    @Test func rolesParseStrictlyWithAHelpfulError() throws {
        #expect(try Role(validating: " Editor ") == .editor)
        #expect(throws: ValidationErrors.self) { try Role(validating: "owner") }
        do {
            _ = try Role(validating: "owner")
        } catch {
            #expect(error.issues.first?.field == "role")
            #expect(error.issues.first?.message.contains("admin, manager, editor") == true)
        }
    }
}
