import Foundation

/// One constructor per code, taking exactly the arguments its templates
/// use, typed, so a call site cannot leave one out or misname it.
extension CodedMessage {

    // MARK: Any field

    public static var required: CodedMessage { CodedMessage(.required) }
    public static var notEmpty: CodedMessage { CodedMessage(.notEmpty) }
    public static var notEmptyOrAbsent: CodedMessage { CodedMessage(.notEmptyOrAbsent) }
    public static func lengthBetween(min: Int, max: Int) -> CodedMessage { CodedMessage(.lengthBetween, ["min": .int(min), "max": .int(max)]) }
    public static func lengthAtMost(max: Int) -> CodedMessage { CodedMessage(.lengthAtMost, ["max": .int(max)]) }
    public static func lengthAtMostHas(max: Int, count: Int) -> CodedMessage {
        CodedMessage(.lengthAtMostHas, ["max": .int(max), "count": .int(count)])
    }
    public static func lengthIsAtMost(count: Int, max: Int) -> CodedMessage {
        CodedMessage(.lengthIsAtMost, ["count": .int(count), "max": .int(max)])
    }
    public static var singleLine: CodedMessage { CodedMessage(.singleLine) }
    public static var controlCharacters: CodedMessage { CodedMessage(.controlCharacters) }
    public static func visibleAsciiBetween(min: Int, max: Int) -> CodedMessage {
        CodedMessage(.visibleAsciiBetween, ["min": .int(min), "max": .int(max)])
    }
    public static var unreadable: CodedMessage { CodedMessage(.unreadable) }
    public static var unreadableValue: CodedMessage { CodedMessage(.unreadableValue) }
    public static var jsonObject: CodedMessage { CodedMessage(.jsonObject) }
    public static var typeString: CodedMessage { CodedMessage(.typeString) }
    public static var typeWholeNumber: CodedMessage { CodedMessage(.typeWholeNumber) }
    public static var typeNumber: CodedMessage { CodedMessage(.typeNumber) }
    public static var typeBoolean: CodedMessage { CodedMessage(.typeBoolean) }
    public static var typeId: CodedMessage { CodedMessage(.typeId) }
    public static var typeTime: CodedMessage { CodedMessage(.typeTime) }
    public static var typeUrl: CodedMessage { CodedMessage(.typeUrl) }
    public static var typeList: CodedMessage { CodedMessage(.typeList) }
    public static var typeObject: CodedMessage { CodedMessage(.typeObject) }
    public static var typeOther: CodedMessage { CodedMessage(.typeOther) }
    public static var notNull: CodedMessage { CodedMessage(.notNull) }
    public static func oneOf(choices: [String]) -> CodedMessage { CodedMessage(.oneOf, ["choices": .list(choices)]) }
    public static func either(choices: [String]) -> CodedMessage { CodedMessage(.either, ["choices": .choices(choices)]) }
    public static func isValueOneOf(value: String, choices: [String]) -> CodedMessage {
        CodedMessage(.isValueOneOf, ["value": .text(value), "choices": .list(choices)])
    }
    public static func unknownValue(value: String, choices: [String]) -> CodedMessage {
        CodedMessage(.unknownValue, ["value": .text(value), "choices": .list(choices)])
    }
    public static func isRequiredOneOf(choices: [String]) -> CodedMessage { CodedMessage(.isRequiredOneOf, ["choices": .list(choices)]) }
    public static func wholeNumberBetween(min: Int, max: Int) -> CodedMessage {
        CodedMessage(.wholeNumberBetween, ["min": .int(min), "max": .int(max)])
    }
    public static func wholeNumberAtLeast(min: Int) -> CodedMessage { CodedMessage(.wholeNumberAtLeast, ["min": .int(min)]) }
    public static func numberBetween(min: Int, max: Int) -> CodedMessage { CodedMessage(.numberBetween, ["min": .int(min), "max": .int(max)]) }
    public static func betweenIntegers(min: Int, max: Int) -> CodedMessage { CodedMessage(.betweenIntegers, ["min": .int(min), "max": .int(max)]) }
    public static var zeroOrMore: CodedMessage { CodedMessage(.zeroOrMore) }
    public static var zeroOrMoreOrUnlimited: CodedMessage { CodedMessage(.zeroOrMoreOrUnlimited) }
    public static var oneOrMoreOrNoLimit: CodedMessage { CodedMessage(.oneOrMoreOrNoLimit) }
    public static var wholeNumberOrNoLimit: CodedMessage { CodedMessage(.wholeNumberOrNoLimit) }
    public static func percentBetween(min: Int, max: Int) -> CodedMessage { CodedMessage(.percentBetween, ["min": .int(min), "max": .int(max)]) }
    public static var atLeastHalfBelowOne: CodedMessage { CodedMessage(.atLeastHalfBelowOne) }
    public static func itemsAtMost(max: Int, count: Int) -> CodedMessage { CodedMessage(.itemsAtMost, ["max": .int(max), "count": .int(count)]) }
    public static func valuesAtMost(max: Int, count: Int) -> CodedMessage { CodedMessage(.valuesAtMost, ["max": .int(max), "count": .int(count)]) }
    public static var valuesRequired: CodedMessage { CodedMessage(.valuesRequired) }

    // MARK: Ids and references

    public static var userId: CodedMessage { CodedMessage(.userId) }
    public static var accountId: CodedMessage { CodedMessage(.accountId) }
    public static var fanId: CodedMessage { CodedMessage(.fanId) }
    public static var rewardId: CodedMessage { CodedMessage(.rewardId) }
    public static var segmentId: CodedMessage { CodedMessage(.segmentId) }
    public static var topicId: CodedMessage { CodedMessage(.topicId) }
    public static func accountIdsInvalid(value: String) -> CodedMessage { CodedMessage(.accountIdsInvalid, ["value": .text(value)]) }
    public static func accountIdsNotFound(missing: [String]) -> CodedMessage { CodedMessage(.accountIdsNotFound, ["missing": .list(missing)]) }
    public static func assetIdsInvalid(value: String) -> CodedMessage { CodedMessage(.assetIdsInvalid, ["value": .text(value)]) }
    public static func assetIdsNotFound(missing: [String]) -> CodedMessage { CodedMessage(.assetIdsNotFound, ["missing": .list(missing)]) }
    public static var cursor: CodedMessage { CodedMessage(.cursor) }

    // MARK: Times and dates

    public static var timeZone: CodedMessage { CodedMessage(.timeZone) }
    public static var dateOrTime: CodedMessage { CodedMessage(.dateOrTime) }
    public static var dateTime: CodedMessage { CodedMessage(.dateTime) }
    public static var optionalLocalDateTime: CodedMessage { CodedMessage(.optionalLocalDateTime) }
    public static var dateOrIsoTime: CodedMessage { CodedMessage(.dateOrIsoTime) }
    public static var scheduleTime: CodedMessage { CodedMessage(.scheduleTime) }
    public static func clockTime(example: String) -> CodedMessage { CodedMessage(.clockTime, ["example": .text(example)]) }
    public static var notARealDate: CodedMessage { CodedMessage(.notARealDate) }
    public static func dateFormat(value: String) -> CodedMessage { CodedMessage(.dateFormat, ["value": .text(value)]) }
    public static var afterStart: CodedMessage { CodedMessage(.afterStart) }
    public static var futureOrNow: CodedMessage { CodedMessage(.futureOrNow) }
    public static func daysBetween(min: Int, max: Int) -> CodedMessage { CodedMessage(.daysBetween, ["min": .int(min), "max": .int(max)]) }
    public static var bothOrNeither: CodedMessage { CodedMessage(.bothOrNeither) }
    public static func monthNumber(value: Int) -> CodedMessage { CodedMessage(.monthNumber, ["value": .int(value)]) }
    public static func notAMonday(date: String, monday: String) -> CodedMessage {
        CodedMessage(.notAMonday, ["date": .text(date), "monday": .text(monday)])
    }
    public static func timeNotReal(value: String, accepted: CodedMessage) -> CodedMessage {
        CodedMessage(.timeNotReal, ["value": .text(value), "accepted": .message(accepted)])
    }
    public static func timeOffsetNotReal(value: String, accepted: CodedMessage) -> CodedMessage {
        CodedMessage(.timeOffsetNotReal, ["value": .text(value), "accepted": .message(accepted)])
    }
    public static func timeSkipped(value: String, zone: String) -> CodedMessage {
        CodedMessage(.timeSkipped, ["value": .text(value), "zone": .text(zone)])
    }
    public static func timeUnreadable(value: String, accepted: CodedMessage) -> CodedMessage {
        CodedMessage(.timeUnreadable, ["value": .text(value), "accepted": .message(accepted)])
    }
    public static func importTimeAccepted(zone: String) -> CodedMessage { CodedMessage(.importTimeAccepted, ["zone": .text(zone)]) }

    // MARK: People and workspaces

    public static func email(example: String) -> CodedMessage { CodedMessage(.email, ["example": .text(example)]) }
    public static var emailRegistered: CodedMessage { CodedMessage(.emailRegistered) }
    public static func passwordLength(min: Int, max: Int, count: Int) -> CodedMessage {
        CodedMessage(.passwordLength, ["min": .int(min), "max": .int(max), "count": .int(count)])
    }
    public static var wrongCurrentPassword: CodedMessage { CodedMessage(.wrongCurrentPassword) }
    public static var newPasswordSame: CodedMessage { CodedMessage(.newPasswordSame) }
    public static func invitationEmail(email: String) -> CodedMessage { CodedMessage(.invitationEmail, ["email": .text(email)]) }
    public static var adminInvitesAdmin: CodedMessage { CodedMessage(.adminInvitesAdmin) }
    public static var slug: CodedMessage { CodedMessage(.slug) }
    public static var slugTaken: CodedMessage { CodedMessage(.slugTaken) }
    public static var immutableAfterCreation: CodedMessage { CodedMessage(.immutableAfterCreation) }
    public static var tokenName: CodedMessage { CodedMessage(.tokenName) }
    public static func tokenScopes(value: String) -> CodedMessage { CodedMessage(.tokenScopes, ["value": .text(value)]) }
    public static var idempotencyKeyReused: CodedMessage { CodedMessage(.idempotencyKeyReused) }

    // MARK: Accounts and connecting

    public static func platformNotConnectable(choices: [String]) -> CodedMessage {
        CodedMessage(.platformNotConnectable, ["choices": .list(choices)])
    }
    public static var accountHandle: CodedMessage { CodedMessage(.accountHandle) }
    public static func simulatesSandboxOnly(choices: [String]) -> CodedMessage { CodedMessage(.simulatesSandboxOnly, ["choices": .list(choices)]) }
    public static func accountConnected(platform: String) -> CodedMessage { CodedMessage(.accountConnected, ["platform": .text(platform)]) }
    public static func connectionFieldRequired(label: String) -> CodedMessage { CodedMessage(.connectionFieldRequired, ["label": .text(label)]) }
    public static func addressUnreachable(host: String) -> CodedMessage { CodedMessage(.addressUnreachable, ["host": .text(host)]) }
    public static func platformSaid(text: String) -> CodedMessage { CodedMessage(.platformSaid, ["text": .text(text)]) }
    public static var sandboxAccountRequired: CodedMessage { CodedMessage(.sandboxAccountRequired) }
    public static func publishedLink(platform: String) -> CodedMessage { CodedMessage(.publishedLink, ["platform": .text(platform)]) }

    // MARK: Posts and content

    public static var accountIdsRequired: CodedMessage { CodedMessage(.accountIdsRequired) }
    public static func tagWithoutSpaces(tag: String) -> CodedMessage { CodedMessage(.tagWithoutSpaces, ["tag": .text(tag)]) }
    public static func tagsAtMost(max: Int) -> CodedMessage { CodedMessage(.tagsAtMost, ["max": .int(max)]) }
    public static func platformsList(choices: [String]) -> CodedMessage { CodedMessage(.platformsList, ["choices": .list(choices)]) }
    public static func attachmentsAtMost(max: Int) -> CodedMessage { CodedMessage(.attachmentsAtMost, ["max": .int(max)]) }
    public static var fileSize: CodedMessage { CodedMessage(.fileSize) }
    public static var importCsvRequired: CodedMessage { CodedMessage(.importCsvRequired) }
    public static var rejectionReasonRequired: CodedMessage { CodedMessage(.rejectionReasonRequired) }
    public static func tooLongGraphemes(count: Int, platform: String, max: Int) -> CodedMessage {
        CodedMessage(.tooLongGraphemes, ["count": .int(count), "platform": .text(platform), "max": .int(max)])
    }
    public static func tooLongMastodon(count: Int, platform: String, max: Int, link: Int) -> CodedMessage {
        CodedMessage(.tooLongMastodon, ["count": .int(count), "platform": .text(platform), "max": .int(max), "link": .int(link)])
    }
    public static func tooLongHalfWidth(count: Int, platform: String, max: Int) -> CodedMessage {
        CodedMessage(.tooLongHalfWidth, ["count": .int(count), "platform": .text(platform), "max": .int(max)])
    }
    public static func tooLongHalfWidthLinks(count: Int, platform: String, max: Int, link: Int) -> CodedMessage {
        CodedMessage(.tooLongHalfWidthLinks, ["count": .int(count), "platform": .text(platform), "max": .int(max), "link": .int(link)])
    }
    public static func tooLongBytes(count: Int, platform: String, max: Int) -> CodedMessage {
        CodedMessage(.tooLongBytes, ["count": .int(count), "platform": .text(platform), "max": .int(max)])
    }
    public static var textOrMediaRequired: CodedMessage { CodedMessage(.textOrMediaRequired) }
    public static func titleNotSupported(platform: String) -> CodedMessage { CodedMessage(.titleNotSupported, ["platform": .text(platform)]) }
    public static func titleRequired(platform: String, max: Int) -> CodedMessage {
        CodedMessage(.titleRequired, ["platform": .text(platform), "max": .int(max)])
    }
    public static func titleRequiredHalfWidth(platform: String, max: Int) -> CodedMessage {
        CodedMessage(.titleRequiredHalfWidth, ["platform": .text(platform), "max": .int(max)])
    }
    public static func hashtagUnclosed(platform: String) -> CodedMessage { CodedMessage(.hashtagUnclosed, ["platform": .text(platform)]) }
    public static func hashtagForeignSyntax(platform: String, tag: String) -> CodedMessage {
        CodedMessage(.hashtagForeignSyntax, ["platform": .text(platform), "tag": .text(tag)])
    }
    public static func hashtagUseTagsField(platform: String) -> CodedMessage { CodedMessage(.hashtagUseTagsField, ["platform": .text(platform)]) }
    public static func mediaTooMany(count: Int, platform: String, max: Int) -> CodedMessage {
        CodedMessage(.mediaTooMany, ["count": .int(count), "platform": .text(platform), "max": .int(max)])
    }
    public static func mediaRequired(kinds: [String], platform: String) -> CodedMessage {
        CodedMessage(.mediaRequired, ["kinds": .choices(kinds), "platform": .text(platform)])
    }
    public static func mediaVideoAlone(platform: String) -> CodedMessage { CodedMessage(.mediaVideoAlone, ["platform": .text(platform)]) }
    public static func mediaKindNotAllowed(kind: String, platform: String, kinds: [String]) -> CodedMessage {
        CodedMessage(.mediaKindNotAllowed, ["kind": .text(kind), "platform": .text(platform), "kinds": .list(kinds)])
    }
    public static func mediaTooLarge(size: Int, platform: String, kind: String, max: Int) -> CodedMessage {
        CodedMessage(.mediaTooLarge, ["size": .bytes(size), "platform": .text(platform), "kind": .text(kind), "max": .bytes(max)])
    }
    public static func mediaFormatNotAccepted(format: MediaFormat, platform: String, formats: Set<MediaFormat>) -> CodedMessage {
        CodedMessage(
            .mediaFormatNotAccepted,
            [
                "format": .text(format.displayName), "platform": .text(platform),
                "formats": .list(formats.sorted { $0.rawValue < $1.rawValue }.map(\.displayName)),
            ])
    }
    public static func mediaScaledDown(width: Int, height: Int, platform: String, max: Int) -> CodedMessage {
        CodedMessage(.mediaScaledDown, ["width": .int(width), "height": .int(height), "platform": .text(platform), "max": .int(max)])
    }
    public static var mediaUnreadable: CodedMessage { CodedMessage(.mediaUnreadable) }
    public static var signInExpired: CodedMessage { CodedMessage(.signInExpired) }
    public static func moveNotOffered(move: String, platform: String, moves: [String]) -> CodedMessage {
        CodedMessage(.moveNotOffered, ["move": .text(move), "platform": .text(platform), "moves": .list(moves.isEmpty ? ["—"] : moves)])
    }
    public static func moveCannotBeUndone(move: String) -> CodedMessage { CodedMessage(.moveCannotBeUndone, ["move": .text(move)]) }
    public static func moveNotDone(move: String) -> CodedMessage { CodedMessage(.moveNotDone, ["move": .text(move)]) }
    public static func signInRefused(platform: String) -> CodedMessage { CodedMessage(.signInRefused, ["platform": .text(platform)]) }
    public static var signInAppMissing: CodedMessage { CodedMessage(.signInAppMissing) }
    public static func otherAccount(handle: String, expected: String) -> CodedMessage {
        CodedMessage(.otherAccount, ["handle": .text(handle), "expected": .text(expected)])
    }
    public static func uploadTooLarge(size: Int, max: Int) -> CodedMessage {
        CodedMessage(.uploadTooLarge, ["size": .bytes(size), "max": .bytes(max)])
    }
    public static func thumbnailInvalid(max: Int) -> CodedMessage { CodedMessage(.thumbnailInvalid, ["max": .bytes(max)]) }
    public static var mediaStoreFailed: CodedMessage { CodedMessage(.mediaStoreFailed) }
    public static var quotaRuleWechatSubscription: CodedMessage { CodedMessage(.quotaRuleWechatSubscription) }
    public static var quotaRuleWechatService: CodedMessage { CodedMessage(.quotaRuleWechatService) }
    public static var zoneChina: CodedMessage { CodedMessage(.zoneChina) }
    public static func quotaDayTaken(rule: CodedMessage, day: String, zone: CodedMessage) -> CodedMessage {
        CodedMessage(.quotaDayTaken, ["rule": .message(rule), "day": .text(day), "zone": .message(zone)])
    }
    public static func quotaMonthTaken(rule: CodedMessage, count: Int, month: String, zone: CodedMessage, days: [String]) -> CodedMessage {
        CodedMessage(
            .quotaMonthTaken, ["rule": .message(rule), "count": .int(count), "month": .text(month), "zone": .message(zone), "days": .list(days)])
    }
    public static func hotTopicLate(deadline: Date, minutes: Int) -> CodedMessage {
        CodedMessage(.hotTopicLate, ["deadline": .time(deadline), "minutes": .int(minutes)])
    }

    // MARK: Import

    public static var importUnclosedQuote: CodedMessage { CodedMessage(.importUnclosedQuote) }
    public static func importUnclosedQuoteAt(line: Int) -> CodedMessage { CodedMessage(.importUnclosedQuoteAt, ["line": .int(line)]) }
    public static func importHeaderEmpty(columns: [String]) -> CodedMessage { CodedMessage(.importHeaderEmpty, ["columns": .list(columns)]) }
    public static func importColumnTwice(name: String) -> CodedMessage { CodedMessage(.importColumnTwice, ["name": .text(name)]) }
    public static func importUnknownColumns(names: [String], columns: [String]) -> CodedMessage {
        CodedMessage(.importUnknownColumns, ["names": .list(names), "columns": .list(columns)])
    }
    public static func importMissingColumns(columns: [String]) -> CodedMessage { CodedMessage(.importMissingColumns, ["columns": .list(columns)]) }
    public static var importNoRows: CodedMessage { CodedMessage(.importNoRows) }
    public static func importTooManyRows(count: Int, max: Int) -> CodedMessage {
        CodedMessage(.importTooManyRows, ["count": .int(count), "max": .int(max)])
    }
    public static func importCellCount(cells: Int, columns: Int) -> CodedMessage {
        CodedMessage(.importCellCount, ["cells": .int(cells), "columns": .int(columns)])
    }
    public static var importTextRequired: CodedMessage { CodedMessage(.importTextRequired) }
    public static var importAccountsRequired: CodedMessage { CodedMessage(.importAccountsRequired) }
    public static func importTimePast(value: String) -> CodedMessage { CodedMessage(.importTimePast, ["value": .text(value)]) }
    public static func importUnknownAccount(value: String) -> CodedMessage { CodedMessage(.importUnknownAccount, ["value": .text(value)]) }
    public static func importUnknownTopic(value: String) -> CodedMessage { CodedMessage(.importUnknownTopic, ["value": .text(value)]) }

    // MARK: Calendar and library

    public static func slotsPerDay(value: Int) -> CodedMessage { CodedMessage(.slotsPerDay, ["value": .int(value)]) }
    public static var reservedShare: CodedMessage { CodedMessage(.reservedShare) }
    public static func themeEmpty(max: Int) -> CodedMessage { CodedMessage(.themeEmpty, ["max": .int(max)]) }
    public static var assetSize: CodedMessage { CodedMessage(.assetSize) }
    public static var assetLocation: CodedMessage { CodedMessage(.assetLocation) }
    public static var wholeBytes: CodedMessage { CodedMessage(.wholeBytes) }

    // MARK: Review

    public static var reviewStepsRequired: CodedMessage { CodedMessage(.reviewStepsRequired) }
    public static func reviewStepsAtMost(count: Int, max: Int) -> CodedMessage {
        CodedMessage(.reviewStepsAtMost, ["count": .int(count), "max": .int(max)])
    }
    public static func identifier(max: Int) -> CodedMessage { CodedMessage(.identifier, ["max": .int(max)]) }
    public static func reviewKeyRepeated(key: String) -> CodedMessage { CodedMessage(.reviewKeyRepeated, ["key": .text(key)]) }
    public static var automaticStepFirst: CodedMessage { CodedMessage(.automaticStepFirst) }
    public static var automaticStepNoApprovers: CodedMessage { CodedMessage(.automaticStepNoApprovers) }
    public static var automaticStepNotSkipped: CodedMessage { CodedMessage(.automaticStepNotSkipped) }
    public static func approverRoles(choices: [String]) -> CodedMessage { CodedMessage(.approverRoles, ["choices": .list(choices)]) }
    public static func reviewNotSubmittable(state: CodedMessage) -> CodedMessage { CodedMessage(.reviewNotSubmittable, ["state": .message(state)]) }
    public static func reviewNotInReview(state: CodedMessage) -> CodedMessage { CodedMessage(.reviewNotInReview, ["state": .message(state)]) }
    public static var reviewStateDraft: CodedMessage { CodedMessage(.reviewStateDraft) }
    public static var reviewStateApproved: CodedMessage { CodedMessage(.reviewStateApproved) }
    public static func reviewStateInReview(step: String) -> CodedMessage { CodedMessage(.reviewStateInReview, ["step": .text(step)]) }
    public static func reviewStateRejected(step: String) -> CodedMessage { CodedMessage(.reviewStateRejected, ["step": .text(step)]) }
    public static func reviewStepMissing(step: Int) -> CodedMessage { CodedMessage(.reviewStepMissing, ["step": .int(step)]) }
    public static func reviewWrongRole(role: String, step: String, roles: [String]) -> CodedMessage {
        CodedMessage(.reviewWrongRole, ["role": .text(role), "step": .text(step), "roles": .list(roles)])
    }
    public static func reviewOwnSubmission(step: String) -> CodedMessage { CodedMessage(.reviewOwnSubmission, ["step": .text(step)]) }
    public static func reviewAlreadyApproved(approved: String, step: String) -> CodedMessage {
        CodedMessage(.reviewAlreadyApproved, ["approved": .text(approved), "step": .text(step)])
    }

    // MARK: Composed

    public static func atPath(path: String, message: CodedMessage) -> CodedMessage {
        CodedMessage(.atPath, ["path": .text(path), "message": .message(message)])
    }
    public static func fieldSays(field: String, message: CodedMessage) -> CodedMessage {
        CodedMessage(.fieldSays, ["field": .text(field), "message": .message(message)])
    }
    public static func onLine(line: Int, message: CodedMessage) -> CodedMessage {
        CodedMessage(.onLine, ["line": .int(line), "message": .message(message)])
    }

    // MARK: Moderation

    public static var termNothingLeft: CodedMessage { CodedMessage(.termNothingLeft) }
    public static var phraseNothingLeft: CodedMessage { CodedMessage(.phraseNothingLeft) }
    public static var categoryIdentifier: CodedMessage { CodedMessage(.categoryIdentifier) }
    public static var allowPhraseContainsTerm: CodedMessage { CodedMessage(.allowPhraseContainsTerm) }
    public static var allowPhraseNotEditable: CodedMessage { CodedMessage(.allowPhraseNotEditable) }
    public static var allowDecisionRequired: CodedMessage { CodedMessage(.allowDecisionRequired) }
    public static var termBeingImported: CodedMessage { CodedMessage(.termBeingImported) }
    public static func termExists(term: String) -> CodedMessage { CodedMessage(.termExists, ["term": .text(term)]) }
    public static func fileAtMostMegabytes(max: Int) -> CodedMessage { CodedMessage(.fileAtMostMegabytes, ["max": .int(max)]) }
    public static func fileTermsAtMost(count: Int, max: Int) -> CodedMessage {
        CodedMessage(.fileTermsAtMost, ["count": .int(count), "max": .int(max)])
    }
    public static func lexiconLimit(total: Int, max: Int) -> CodedMessage { CodedMessage(.lexiconLimit, ["total": .int(total), "max": .int(max)]) }
    public static func lexiconLimitAdding(adding: Int, existing: Int, max: Int) -> CodedMessage {
        CodedMessage(.lexiconLimitAdding, ["adding": .int(adding), "existing": .int(existing), "max": .int(max)])
    }
    public static func lexiconLimitAfterImport(total: Int, max: Int) -> CodedMessage {
        CodedMessage(.lexiconLimitAfterImport, ["total": .int(total), "max": .int(max)])
    }
    public static func lexiconTermRepeats(term: String, line: Int) -> CodedMessage {
        CodedMessage(.lexiconTermRepeats, ["term": .text(term), "line": .int(line)])
    }
    public static func lexiconFieldCount(count: Int) -> CodedMessage { CodedMessage(.lexiconFieldCount, ["count": .int(count)]) }
    public static func lexiconSeverity(value: String) -> CodedMessage { CodedMessage(.lexiconSeverity, ["value": .text(value)]) }
    public static func lexiconScope(value: String) -> CodedMessage { CodedMessage(.lexiconScope, ["value": .text(value)]) }
    public static func problemsJoined(first: CodedMessage, rest: CodedMessage) -> CodedMessage {
        CodedMessage(.problemsJoined, ["first": .message(first), "rest": .message(rest)])
    }

    // MARK: Inbox

    public static var inboxAnswerer: CodedMessage { CodedMessage(.inboxAnswerer) }
    public static var inboxMember: CodedMessage { CodedMessage(.inboxMember) }
    public static var assignee: CodedMessage { CodedMessage(.assignee) }
    public static var notAMessage: CodedMessage { CodedMessage(.notAMessage) }
    public static var notAReplyTemplate: CodedMessage { CodedMessage(.notAReplyTemplate) }
    public static var templateNameTaken: CodedMessage { CodedMessage(.templateNameTaken) }
    public static var bulkChangeRequired: CodedMessage { CodedMessage(.bulkChangeRequired) }
    public static var conversationsRequired: CodedMessage { CodedMessage(.conversationsRequired) }
    public static func conversationsAtMost(max: Int) -> CodedMessage { CodedMessage(.conversationsAtMost, ["max": .int(max)]) }
    public static func tagsLength(min: Int, max: Int) -> CodedMessage { CodedMessage(.tagsLength, ["min": .int(min), "max": .int(max)]) }
    public static func unfilledVariables(variables: [String]) -> CodedMessage { CodedMessage(.unfilledVariables, ["variables": .list(variables)]) }
    public static func answeredMeanwhile(by: String, answer: String) -> CodedMessage {
        CodedMessage(.answeredMeanwhile, ["by": .text(by), "answer": .text(answer)])
    }
    public static func answeredMeanwhileAutomatically(answer: String) -> CodedMessage {
        CodedMessage(.answeredMeanwhileAutomatically, ["answer": .text(answer)])
    }
    public static func fanTextLength(max: Int) -> CodedMessage { CodedMessage(.fanTextLength, ["max": .int(max)]) }
    public static var commentNeedsPost: CodedMessage { CodedMessage(.commentNeedsPost) }
    public static func unknownVariableKnown(name: String, known: [String]) -> CodedMessage {
        CodedMessage(.unknownVariableKnown, ["name": .text(name), "known": .list(known)])
    }
    public static func unknownVariable(name: String) -> CodedMessage { CodedMessage(.unknownVariable, ["name": .text(name)]) }
    public static func missingVariable(name: String) -> CodedMessage { CodedMessage(.missingVariable, ["name": .text(name)]) }
    public static func unclosedBrace(position: Int) -> CodedMessage { CodedMessage(.unclosedBrace, ["position": .int(position)]) }
    public static func replyTooLong(count: Int, platform: String, max: Int) -> CodedMessage {
        CodedMessage(.replyTooLong, ["count": .int(count), "platform": .text(platform), "max": .int(max)])
    }
    public static func replyTooManyBytes(count: Int, platform: String, max: Int) -> CodedMessage {
        CodedMessage(.replyTooManyBytes, ["count": .int(count), "platform": .text(platform), "max": .int(max)])
    }
    public static func replyTooLongAnywhere(count: Int, max: Int) -> CodedMessage {
        CodedMessage(.replyTooLongAnywhere, ["count": .int(count), "max": .int(max)])
    }
    public static func unknownPlatform(value: String, choices: [String]) -> CodedMessage {
        CodedMessage(.unknownPlatform, ["value": .text(value), "choices": .list(choices)])
    }
    public static func notAWorkspaceAccount(id: String) -> CodedMessage { CodedMessage(.notAWorkspaceAccount, ["id": .text(id)]) }
    public static func notAWorkspaceSegment(id: String) -> CodedMessage { CodedMessage(.notAWorkspaceSegment, ["id": .text(id)]) }
    public static func notAWorkspaceMention(id: String) -> CodedMessage { CodedMessage(.notAWorkspaceMention, ["id": .text(id)]) }
    public static var workspaceAccounts: CodedMessage { CodedMessage(.workspaceAccounts) }
    public static var emptyKeywords: CodedMessage { CodedMessage(.emptyKeywords) }
    public static var hoursRange: CodedMessage { CodedMessage(.hoursRange) }
    public static var emptyTags: CodedMessage { CodedMessage(.emptyTags) }
    public static var ruleNeedsAction: CodedMessage { CodedMessage(.ruleNeedsAction) }
    public static var serviceTimeRange: CodedMessage { CodedMessage(.serviceTimeRange) }
    public static var resolutionBeforeFirstResponse: CodedMessage { CodedMessage(.resolutionBeforeFirstResponse) }
    public static var businessHours: CodedMessage { CodedMessage(.businessHours) }
    public static var weekdays: CodedMessage { CodedMessage(.weekdays) }
    public static func repliesPerFanHour(min: Int, max: Int) -> CodedMessage {
        CodedMessage(.repliesPerFanHour, ["min": .int(min), "max": .int(max)])
    }
    public static var tierThresholdAtLeastOne: CodedMessage { CodedMessage(.tierThresholdAtLeastOne) }
    public static func tierThresholdAbove(lower: String) -> CodedMessage { CodedMessage(.tierThresholdAbove, ["lower": .text(lower)]) }
    public static var ticketStatus: CodedMessage { CodedMessage(.ticketStatus) }
    public static var otherTicket: CodedMessage { CodedMessage(.otherTicket) }
    public static func wechatWindowClosed(hours: Int) -> CodedMessage { CodedMessage(.wechatWindowClosed, ["hours": .int(hours)]) }
    public static func wechatWindowFull(max: Int) -> CodedMessage { CodedMessage(.wechatWindowFull, ["max": .int(max)]) }
    public static var wechatTemplateId: CodedMessage { CodedMessage(.wechatTemplateId) }
    public static var wechatTemplateKey: CodedMessage { CodedMessage(.wechatTemplateKey) }
    public static func wechatTemplateKeyCount(max: Int) -> CodedMessage { CodedMessage(.wechatTemplateKeyCount, ["max": .int(max)]) }
    public static func wechatTemplateKeyRepeated(key: String) -> CodedMessage { CodedMessage(.wechatTemplateKeyRepeated, ["key": .text(key)]) }
    public static var wechatTemplateTaken: CodedMessage { CodedMessage(.wechatTemplateTaken) }
    public static func wechatTemplateUnknownField(fields: [String]) -> CodedMessage {
        CodedMessage(.wechatTemplateUnknownField, ["fields": .list(fields)])
    }
    public static var notAWechatTemplate: CodedMessage { CodedMessage(.notAWechatTemplate) }
    public static var wechatAccountRequired: CodedMessage { CodedMessage(.wechatAccountRequired) }
    public static var wechatTemplateNotHere: CodedMessage { CodedMessage(.wechatTemplateNotHere) }
    public static func wechatFieldNumber(max: Int) -> CodedMessage { CodedMessage(.wechatFieldNumber, ["max": .int(max)]) }
    public static func wechatFieldLetters(max: Int) -> CodedMessage { CodedMessage(.wechatFieldLetters, ["max": .int(max)]) }
    public static func wechatFieldSymbols(max: Int) -> CodedMessage { CodedMessage(.wechatFieldSymbols, ["max": .int(max)]) }
    public static func wechatFieldCharacterString(max: Int) -> CodedMessage { CodedMessage(.wechatFieldCharacterString, ["max": .int(max)]) }
    public static var wechatFieldAmount: CodedMessage { CodedMessage(.wechatFieldAmount) }
    public static func wechatFieldPhone(max: Int) -> CodedMessage { CodedMessage(.wechatFieldPhone, ["max": .int(max)]) }
    public static func wechatFieldCarNumber(max: Int) -> CodedMessage { CodedMessage(.wechatFieldCarNumber, ["max": .int(max)]) }
    public static var wechatFieldName: CodedMessage { CodedMessage(.wechatFieldName) }
    public static func wechatFieldPhrase(max: Int) -> CodedMessage { CodedMessage(.wechatFieldPhrase, ["max": .int(max)]) }

    // MARK: Fans

    public static var notAFan: CodedMessage { CodedMessage(.notAFan) }
    public static var workspaceFan: CodedMessage { CodedMessage(.workspaceFan) }
    public static var fanMergedOrErased: CodedMessage { CodedMessage(.fanMergedOrErased) }
    public static var keptFanRequired: CodedMessage { CodedMessage(.keptFanRequired) }
    public static var mergedFanRequired: CodedMessage { CodedMessage(.mergedFanRequired) }
    public static var otherFan: CodedMessage { CodedMessage(.otherFan) }
    public static var fanProfileRequired: CodedMessage { CodedMessage(.fanProfileRequired) }
    public static var eraseConfirmation: CodedMessage { CodedMessage(.eraseConfirmation) }
    public static var phoneNumber: CodedMessage { CodedMessage(.phoneNumber) }
    public static var wechatUnionId: CodedMessage { CodedMessage(.wechatUnionId) }
    public static var yuanZeroOrMore: CodedMessage { CodedMessage(.yuanZeroOrMore) }
    public static var yuanAboveZero: CodedMessage { CodedMessage(.yuanAboveZero) }
    public static func yuanUpTo(max: Int) -> CodedMessage { CodedMessage(.yuanUpTo, ["max": .int(max)]) }
    public static var scoreAboveZero: CodedMessage { CodedMessage(.scoreAboveZero) }
    public static func greaterThanTier(tier: String, value: String) -> CodedMessage {
        CodedMessage(.greaterThanTier, ["tier": .text(tier), "value": .text(value)])
    }
    public static func weeksWithinWindow(weeks: Int) -> CodedMessage { CodedMessage(.weeksWithinWindow, ["weeks": .int(weeks)]) }
    public static func retentionDays(min: Int, max: Int) -> CodedMessage { CodedMessage(.retentionDays, ["min": .int(min), "max": .int(max)]) }
    public static func activityCounter(days: Int) -> CodedMessage { CodedMessage(.activityCounter, ["days": .int(days)]) }
    public static func activityCounterCounts(days: Int) -> CodedMessage { CodedMessage(.activityCounterCounts, ["days": .int(days)]) }

    // MARK: Segments

    public static var notARule: CodedMessage { CodedMessage(.notARule) }
    public static var notASegment: CodedMessage { CodedMessage(.notASegment) }
    public static var segmentNameTaken: CodedMessage { CodedMessage(.segmentNameTaken) }
    public static var segmentRuleRequired: CodedMessage { CodedMessage(.segmentRuleRequired) }
    public static var segmentRuleJson: CodedMessage { CodedMessage(.segmentRuleJson) }
    public static var segmentRuleShape: CodedMessage { CodedMessage(.segmentRuleShape) }
    public static func segmentUnknownKey(key: String, choices: [String]) -> CodedMessage {
        CodedMessage(.segmentUnknownKey, ["key": .text(key), "choices": .list(choices)])
    }
    public static func segmentOneShape(keys: [String]) -> CodedMessage { CodedMessage(.segmentOneShape, ["keys": .list(keys)]) }
    public static func segmentTooDeep(max: Int) -> CodedMessage { CodedMessage(.segmentTooDeep, ["max": .int(max)]) }
    public static var singleRule: CodedMessage { CodedMessage(.singleRule) }
    public static var ruleList: CodedMessage { CodedMessage(.ruleList) }
    public static var conditionFieldRequired: CodedMessage { CodedMessage(.conditionFieldRequired) }
    public static var conditionOpRequired: CodedMessage { CodedMessage(.conditionOpRequired) }
    public static var conditionFieldString: CodedMessage { CodedMessage(.conditionFieldString) }
    public static var conditionOpString: CodedMessage { CodedMessage(.conditionOpString) }
    public static var segmentValue: CodedMessage { CodedMessage(.segmentValue) }
    public static var groupNeedsRule: CodedMessage { CodedMessage(.groupNeedsRule) }
    public static func segmentTooManyConditions(count: Int, max: Int) -> CodedMessage {
        CodedMessage(.segmentTooManyConditions, ["count": .int(count), "max": .int(max)])
    }
    public static func segmentUnknownField(value: String, choices: [String]) -> CodedMessage {
        CodedMessage(.segmentUnknownField, ["value": .text(value), "choices": .list(choices)])
    }
    public static func segmentUnknownOperator(value: String, field: String, choices: [String]) -> CodedMessage {
        CodedMessage(.segmentUnknownOperator, ["value": .text(value), "field": .text(field), "choices": .list(choices)])
    }
    public static func segmentOperatorNotForField(value: String, field: String, type: String, choices: [String]) -> CodedMessage {
        CodedMessage(.segmentOperatorNotForField, ["value": .text(value), "field": .text(field), "type": .text(type), "choices": .list(choices)])
    }
    public static var betweenBounds: CodedMessage { CodedMessage(.betweenBounds) }
    public static func betweenOrder(low: String, high: String) -> CodedMessage {
        CodedMessage(.betweenOrder, ["low": .text(low), "high": .text(high)])
    }
    public static func listForOperator(op: String, example: String) -> CodedMessage {
        CodedMessage(.listForOperator, ["op": .text(op), "example": .text(example)])
    }
    public static func singleForOperator(op: String, instead: String) -> CodedMessage {
        CodedMessage(.singleForOperator, ["op": .text(op), "instead": .text(instead)])
    }
    public static func stringOneOf(choices: [String]) -> CodedMessage { CodedMessage(.stringOneOf, ["choices": .list(choices)]) }
    public static func unorderedComparison(value: String, op: String) -> CodedMessage {
        CodedMessage(.unorderedComparison, ["value": .text(value), "op": .text(op)])
    }

    // MARK: Loyalty and rewards

    public static var pointsDeltaRequired: CodedMessage { CodedMessage(.pointsDeltaRequired) }
    public static var pointsNotZero: CodedMessage { CodedMessage(.pointsNotZero) }
    public static func pointsDeltaRange(max: Int) -> CodedMessage { CodedMessage(.pointsDeltaRange, ["max": .int(max)]) }
    public static func pointsPositiveFor(kind: String) -> CodedMessage { CodedMessage(.pointsPositiveFor, ["kind": .text(kind)]) }
    public static func pointsNegativeFor(kind: String) -> CodedMessage { CodedMessage(.pointsNegativeFor, ["kind": .text(kind)]) }
    public static func adjustReason(min: Int) -> CodedMessage { CodedMessage(.adjustReason, ["min": .int(min)]) }
    public static func sourceKey(max: Int) -> CodedMessage { CodedMessage(.sourceKey, ["max": .int(max)]) }
    public static func pointsBalance(cost: Int, balance: Int) -> CodedMessage {
        CodedMessage(.pointsBalance, ["cost": .int(cost), "balance": .int(balance)])
    }
    public static func pointsBetween(min: Int, max: Int) -> CodedMessage { CodedMessage(.pointsBetween, ["min": .int(min), "max": .int(max)]) }
    public static func pointsRequiredBetween(min: Int, max: Int) -> CodedMessage {
        CodedMessage(.pointsRequiredBetween, ["min": .int(min), "max": .int(max)])
    }
    public static func levelBetween(max: Int) -> CodedMessage { CodedMessage(.levelBetween, ["max": .int(max)]) }
    public static func rewardOutOfStock(name: String) -> CodedMessage { CodedMessage(.rewardOutOfStock, ["name": .text(name)]) }
    public static func rewardNeedsLevel(name: String, required: Int, level: Int) -> CodedMessage {
        CodedMessage(.rewardNeedsLevel, ["name": .text(name), "required": .int(required), "level": .int(level)])
    }
    public static func rewardPerFanLimit(name: String, limit: Int, count: Int) -> CodedMessage {
        CodedMessage(.rewardPerFanLimit, ["name": .text(name), "limit": .int(limit), "count": .int(count)])
    }
    public static var rewardNameTaken: CodedMessage { CodedMessage(.rewardNameTaken) }
    public static var rewardRequired: CodedMessage { CodedMessage(.rewardRequired) }
    public static var redeemingFanRequired: CodedMessage { CodedMessage(.redeemingFanRequired) }
    public static func noRedemptionPrivilege(level: Int) -> CodedMessage { CodedMessage(.noRedemptionPrivilege, ["level": .int(level)]) }
    public static var levelsRequired: CodedMessage { CodedMessage(.levelsRequired) }
    public static func levelNumber(number: Int) -> CodedMessage { CodedMessage(.levelNumber, ["number": .int(number)]) }
    public static var firstLevelAtZero: CodedMessage { CodedMessage(.firstLevelAtZero) }
    public static func levelThresholdRises(level: Int, points: Int) -> CodedMessage {
        CodedMessage(.levelThresholdRises, ["level": .int(level), "points": .int(points)])
    }
    public static func pointsRuleRepeated(action: String) -> CodedMessage { CodedMessage(.pointsRuleRepeated, ["action": .text(action)]) }
    public static func dailyCapAtLeast(action: String, points: Int) -> CodedMessage {
        CodedMessage(.dailyCapAtLeast, ["action": .text(action), "points": .int(points)])
    }
    public static func badgeId(max: Int) -> CodedMessage { CodedMessage(.badgeId, ["max": .int(max)]) }
    public static func badgeIdTaken(id: String) -> CodedMessage { CodedMessage(.badgeIdTaken, ["id": .text(id)]) }
    public static func milestoneRepeated(days: Int) -> CodedMessage { CodedMessage(.milestoneRepeated, ["days": .int(days)]) }
    public static func alreadyCheckedIn(day: String, zone: String) -> CodedMessage {
        CodedMessage(.alreadyCheckedIn, ["day": .text(day), "zone": .text(zone)])
    }

    // MARK: Activities

    public static var activitySettingsRequired: CodedMessage { CodedMessage(.activitySettingsRequired) }
    public static var activityEndRequired: CodedMessage { CodedMessage(.activityEndRequired) }
    public static var enteringFanRequired: CodedMessage { CodedMessage(.enteringFanRequired) }
    public static var withinActivity: CodedMessage { CodedMessage(.withinActivity) }
    public static var openToAllNeedsPrivilege: CodedMessage { CodedMessage(.openToAllNeedsPrivilege) }
    public static func questionsBetween(min: Int, max: Int) -> CodedMessage { CodedMessage(.questionsBetween, ["min": .int(min), "max": .int(max)]) }
    public static func optionsBetween(min: Int, max: Int) -> CodedMessage { CodedMessage(.optionsBetween, ["min": .int(min), "max": .int(max)]) }
    public static func optionRepeated(option: String) -> CodedMessage { CodedMessage(.optionRepeated, ["option": .text(option)]) }
    public static func correctOptionIndex(max: Int) -> CodedMessage { CodedMessage(.correctOptionIndex, ["max": .int(max)]) }
    public static func entriesCloseFuture(at: Date) -> CodedMessage { CodedMessage(.entriesCloseFuture, ["at": .time(at)]) }
    public static var segmentOrEveryone: CodedMessage { CodedMessage(.segmentOrEveryone) }
    public static func entryCostPoints(min: Int, max: Int) -> CodedMessage { CodedMessage(.entryCostPoints, ["min": .int(min), "max": .int(max)]) }
    public static var challengeHashtag: CodedMessage { CodedMessage(.challengeHashtag) }
    public static func placesBetween(min: Int, max: Int) -> CodedMessage { CodedMessage(.placesBetween, ["min": .int(min), "max": .int(max)]) }
    public static var quizNeedsQuestion: CodedMessage { CodedMessage(.quizNeedsQuestion) }
    public static func quizOneCorrect(number: Int, marked: Int) -> CodedMessage {
        CodedMessage(.quizOneCorrect, ["number": .int(number), "marked": .int(marked)])
    }
    public static func pollOptionIndexes(max: Int) -> CodedMessage { CodedMessage(.pollOptionIndexes, ["max": .int(max)]) }
    public static var singleChoicePoll: CodedMessage { CodedMessage(.singleChoicePoll) }
    public static func quizAnswersCount(count: Int) -> CodedMessage { CodedMessage(.quizAnswersCount, ["count": .int(count)]) }
    public static func challengeHashtagMissing(hashtag: String) -> CodedMessage {
        CodedMessage(.challengeHashtagMissing, ["hashtag": .text(hashtag)])
    }
    public static var lotteryNoEntries: CodedMessage { CodedMessage(.lotteryNoEntries) }
    public static var lotteryDrawn: CodedMessage { CodedMessage(.lotteryDrawn) }
    public static func onlyLotteryDrawn(kind: String) -> CodedMessage { CodedMessage(.onlyLotteryDrawn, ["kind": .text(kind)]) }
    public static func statusMoveFinal(from: String, to: String) -> CodedMessage {
        CodedMessage(.statusMoveFinal, ["from": .text(from), "to": .text(to)])
    }
    public static func statusMove(from: String, to: String, next: [String]) -> CodedMessage {
        CodedMessage(.statusMove, ["from": .text(from), "to": .text(to), "next": .choices(next)])
    }
    public static var seedHashUnpublished: CodedMessage { CodedMessage(.seedHashUnpublished) }
    public static var entriesCloseRequired: CodedMessage { CodedMessage(.entriesCloseRequired) }
    public static func entriesClosePassed(at: Date) -> CodedMessage { CodedMessage(.entriesClosePassed, ["at": .time(at)]) }
    public static func drawBeforeClose(at: Date) -> CodedMessage { CodedMessage(.drawBeforeClose, ["at": .time(at)]) }
    public static func seedLength(count: Int) -> CodedMessage { CodedMessage(.seedLength, ["count": .int(count)]) }
    public static var hexOnly: CodedMessage { CodedMessage(.hexOnly) }
    public static var entrantsRequired: CodedMessage { CodedMessage(.entrantsRequired) }
    public static var entrantIds: CodedMessage { CodedMessage(.entrantIds) }
    public static func winnersBetween(count: Int) -> CodedMessage { CodedMessage(.winnersBetween, ["count": .int(count)]) }

    // MARK: Refusals of an action (problem details pages show)

    public static func ticketClosed(number: String) -> CodedMessage { CodedMessage(.ticketClosed, ["number": .text(number)]) }
    public static func ticketAlreadyClosed(number: String) -> CodedMessage { CodedMessage(.ticketAlreadyClosed, ["number": .text(number)]) }
    public static var onlyOpenTicketsMerge: CodedMessage { CodedMessage(.onlyOpenTicketsMerge) }
    public static func templateUsedByRule(rule: String) -> CodedMessage { CodedMessage(.templateUsedByRule, ["rule": .text(rule)]) }
    public static var rewardInactive: CodedMessage { CodedMessage(.rewardInactive) }
    public static var redeemAsRemainingFan: CodedMessage { CodedMessage(.redeemAsRemainingFan) }
    public static func redemptionSettled(status: String) -> CodedMessage { CodedMessage(.redemptionSettled, ["status": .text(status)]) }
    public static func reservedForLevel(title: String, privilege: String, level: Int) -> CodedMessage {
        CodedMessage(.reservedForLevel, ["title": .text(title), "privilege": .text(privilege), "level": .int(level)])
    }
    public static func reservedForLevelUntil(title: String, privilege: String, level: Int, at: Date) -> CodedMessage {
        CodedMessage(.reservedForLevelUntil, ["title": .text(title), "privilege": .text(privilege), "level": .int(level), "at": .time(at)])
    }
    public static func reservedNoLevel(title: String, privilege: String) -> CodedMessage {
        CodedMessage(.reservedNoLevel, ["title": .text(title), "privilege": .text(privilege)])
    }
    public static func reservedNoLevelUntil(title: String, privilege: String, at: Date) -> CodedMessage {
        CodedMessage(.reservedNoLevelUntil, ["title": .text(title), "privilege": .text(privilege), "at": .time(at)])
    }
    public static func activityFull(places: Int, title: String) -> CodedMessage {
        CodedMessage(.activityFull, ["places": .int(places), "title": .text(title)])
    }
    public static func activityNotOpen(title: String, status: String) -> CodedMessage {
        CodedMessage(.activityNotOpen, ["title": .text(title), "status": .text(status)])
    }
    public static func notInAudience(segment: String) -> CodedMessage { CodedMessage(.notInAudience, ["segment": .text(segment)]) }

    // MARK: Calendar warnings

    public static func slotsOverCapacity(day: String, count: Int, max: Int) -> CodedMessage {
        CodedMessage(.slotsOverCapacity, ["day": .text(day), "count": .int(count), "max": .int(max)])
    }
    public static func slotsReserveUsed(day: String, count: Int, reserved: Int, slots: Int, max: Int) -> CodedMessage {
        CodedMessage(
            .slotsReserveUsed, ["day": .text(day), "count": .int(count), "reserved": .int(reserved), "slots": .int(slots), "max": .int(max)])
    }
    public static func scheduleTooClose(minutes: Int) -> CodedMessage { CodedMessage(.scheduleTooClose, ["minutes": .int(minutes)]) }
    public static func duplicateSameAccount(count: Int) -> CodedMessage { CodedMessage(.duplicateSameAccount, ["count": .int(count)]) }
    public static func duplicateAcrossAccounts(count: Int) -> CodedMessage { CodedMessage(.duplicateAcrossAccounts, ["count": .int(count)]) }

    // MARK: Library

    public static var assetLicenceUnknown: CodedMessage { CodedMessage(.assetLicenceUnknown) }
    public static var assetLicenceNoProof: CodedMessage { CodedMessage(.assetLicenceNoProof) }
    public static var assetNoSource: CodedMessage { CodedMessage(.assetNoSource) }
    public static func assetLicenceEnds(end: Date, at: Date) -> CodedMessage {
        CodedMessage(.assetLicenceEnds, ["end": .time(end), "at": .time(at)])
    }
    public static func cadenceReserveLow(count: Int, min: Int) -> CodedMessage {
        CodedMessage(.cadenceReserveLow, ["count": .int(count), "min": .int(min)])
    }
    public static func cadencePremium(count: Int, min: Int, max: Int) -> CodedMessage {
        CodedMessage(.cadencePremium, ["count": .int(count), "min": .int(min), "max": .int(max)])
    }
    public static func cadenceLight(count: Int, min: Int, max: Int) -> CodedMessage {
        CodedMessage(.cadenceLight, ["count": .int(count), "min": .int(min), "max": .int(max)])
    }
    public static func cadencePillarMix(pillar: String, share: String, count: Int, days: Int, target: String, tolerance: String) -> CodedMessage {
        CodedMessage(
            .cadencePillarMix,
            [
                "pillar": .text(pillar), "share": .text(share), "count": .int(count), "days": .int(days), "target": .text(target),
                "tolerance": .text(tolerance),
            ])
    }
    public static func yourRole(message: CodedMessage) -> CodedMessage { CodedMessage(.yourRole, ["message": .message(message)]) }
    public static func fanHas(message: CodedMessage) -> CodedMessage { CodedMessage(.fanHas, ["message": .message(message)]) }
    public static var checkinAsRemainingFan: CodedMessage { CodedMessage(.checkinAsRemainingFan) }
    public static var keepOneAdmin: CodedMessage { CodedMessage(.keepOneAdmin) }

    // MARK: Operators and builds

    public static var ipNotAnAddress: CodedMessage { CodedMessage(.ipNotAnAddress) }
    public static func ipPrefix(max: Int) -> CodedMessage { CodedMessage(.ipPrefix, ["max": .int(max)]) }
    public static func ipHostBits(network: String) -> CodedMessage { CodedMessage(.ipHostBits, ["network": .text(network)]) }
    public static var modelNoMagic: CodedMessage { CodedMessage(.modelNoMagic) }
    // Versions and bucket counts are identifiers, written without separators.
    public static func modelVersion(version: Int, expected: Int) -> CodedMessage {
        CodedMessage(.modelVersion, ["version": .text(String(version)), "expected": .text(String(expected))])
    }
    public static func modelBuckets(buckets: Int, expected: Int) -> CodedMessage {
        CodedMessage(.modelBuckets, ["buckets": .text(String(buckets)), "expected": .text(String(expected))])
    }
    public static var modelSentimentMissing: CodedMessage { CodedMessage(.modelSentimentMissing) }
    public static func modelIntentMissing(classes: [String]) -> CodedMessage { CodedMessage(.modelIntentMissing, ["classes": .list(classes)]) }
    public static var modelEndsEarly: CodedMessage { CodedMessage(.modelEndsEarly) }
    public static func variantMoveIllegal(from: String, event: String) -> CodedMessage {
        CodedMessage(.variantMoveIllegal, ["from": .text(from), "event": .text(event)])
    }

    // MARK: Analytics

    public static func seriesInterval(seconds: Int) -> CodedMessage { CodedMessage(.seriesInterval, ["seconds": .int(seconds)]) }
    public static func seriesOffGrid(value: Date, interval: Int, first: Date) -> CodedMessage {
        CodedMessage(.seriesOffGrid, ["value": .time(value), "interval": .int(interval), "first": .time(first)])
    }
    public static func seriesNotAfter(value: Date, previous: Date) -> CodedMessage {
        CodedMessage(.seriesNotAfter, ["value": .time(value), "previous": .time(previous)])
    }
    public static var seriesTimeAccepted: CodedMessage { CodedMessage(.seriesTimeAccepted) }
    public static func seriesValue(value: String) -> CodedMessage { CodedMessage(.seriesValue, ["value": .text(value)]) }
    public static func seriesLine(count: Int) -> CodedMessage { CodedMessage(.seriesLine, ["count": .int(count)]) }
    public static func seriesMinChange(value: String) -> CodedMessage { CodedMessage(.seriesMinChange, ["value": .text(value)]) }
    public static func seriesPeriod(max: Int) -> CodedMessage { CodedMessage(.seriesPeriod, ["max": .int(max)]) }
    public static func dayNotAfter(day: String) -> CodedMessage { CodedMessage(.dayNotAfter, ["day": .text(day)]) }

    // MARK: Conversions

    public static var linkDestination: CodedMessage { CodedMessage(.linkDestination) }
    public static var postId: CodedMessage { CodedMessage(.postId) }
    public static var linkTargetOne: CodedMessage { CodedMessage(.linkTargetOne) }
    public static func eventTimeWindow(days: Int) -> CodedMessage { CodedMessage(.eventTimeWindow, ["days": .int(days)]) }
    public static var currencyCode: CodedMessage { CodedMessage(.currencyCode) }
    public static var clickId: CodedMessage { CodedMessage(.clickId) }
    public static var eventFan: CodedMessage { CodedMessage(.eventFan) }
    public static var importMetricsWorkbook: CodedMessage { CodedMessage(.importMetricsWorkbook) }
    public static var importMetricsEncoding: CodedMessage { CodedMessage(.importMetricsEncoding) }
    public static func importMetricsHeader(lines: Int, days: [String], columns: [String]) -> CodedMessage {
        CodedMessage(.importMetricsHeader, ["lines": .int(lines), "days": .choices(days), "columns": .list(columns)])
    }
    public static func importMetricsDate(value: String) -> CodedMessage { CodedMessage(.importMetricsDate, ["value": .text(value)]) }
    public static func importMetricsDayTwice(day: String, line: Int) -> CodedMessage {
        CodedMessage(.importMetricsDayTwice, ["day": .text(day), "line": .int(line)])
    }
    public static func importMetricsNumber(value: String) -> CodedMessage { CodedMessage(.importMetricsNumber, ["value": .text(value)]) }
    public static func importMetricsRatio(value: String) -> CodedMessage { CodedMessage(.importMetricsRatio, ["value": .text(value)]) }
    public static func importMetricsNegative(value: String) -> CodedMessage { CodedMessage(.importMetricsNegative, ["value": .text(value)]) }
    public static func importMetricsAccount(platforms: [String]) -> CodedMessage {
        CodedMessage(.importMetricsAccount, ["platforms": .choices(platforms)])
    }
    public static func importMetricsKind(choices: [String], platform: String) -> CodedMessage {
        CodedMessage(.importMetricsKind, ["choices": .choices(choices), "platform": .text(platform)])
    }
    public static var importMetricsFile: CodedMessage { CodedMessage(.importMetricsFile) }
    public static func importPostsHeader(lines: Int, names: [String], columns: [String]) -> CodedMessage {
        CodedMessage(.importPostsHeader, ["lines": .int(lines), "names": .choices(names), "columns": .list(columns)])
    }
    public static func importPostsIdentity(names: [String]) -> CodedMessage { CodedMessage(.importPostsIdentity, ["names": .choices(names)]) }
    public static func importPostsNoneMatched(rows: Int) -> CodedMessage { CodedMessage(.importPostsNoneMatched, ["rows": .int(rows)]) }
    public static func importAsOf(value: String, day: String) -> CodedMessage {
        CodedMessage(.importAsOf, ["value": .text(value), "day": .text(day)])
    }

    // MARK: Listening

    public static func monitorQueryQuote(position: Int) -> CodedMessage { CodedMessage(.monitorQueryQuote, ["position": .int(position)]) }
    public static func monitorQueryParenthesis(position: Int) -> CodedMessage {
        CodedMessage(.monitorQueryParenthesis, ["position": .int(position)])
    }
    public static func monitorQueryExpected(position: Int) -> CodedMessage { CodedMessage(.monitorQueryExpected, ["position": .int(position)]) }
    public static func monitorExclusionEmpty(phrase: String) -> CodedMessage { CodedMessage(.monitorExclusionEmpty, ["phrase": .text(phrase)]) }
    public static func monitorQueryPhraseEmpty(phrase: String, position: Int) -> CodedMessage {
        CodedMessage(.monitorQueryPhraseEmpty, ["phrase": .text(phrase), "position": .int(position)])
    }
    public static func monitorQueryDepth(max: Int) -> CodedMessage { CodedMessage(.monitorQueryDepth, ["max": .int(max)]) }
    public static func channelAddress(prefixes: [String]) -> CodedMessage { CodedMessage(.channelAddress, ["prefixes": .choices(prefixes)]) }
    public static var channelSecretWebhook: CodedMessage { CodedMessage(.channelSecretWebhook) }
    public static func decimalBetween(min: String, max: String) -> CodedMessage {
        CodedMessage(.decimalBetween, ["min": .text(min), "max": .text(max)])
    }
    public static var alertGradeOrder: CodedMessage { CodedMessage(.alertGradeOrder) }
    public static var monitorQueryNegativeOnly: CodedMessage { CodedMessage(.monitorQueryNegativeOnly) }
    public static var searchHashtag: CodedMessage { CodedMessage(.searchHashtag) }
    public static var searchNeedsAccount: CodedMessage { CodedMessage(.searchNeedsAccount) }
    public static func experimentArmCount(min: Int, max: Int) -> CodedMessage {
        CodedMessage(.experimentArmCount, ["min": .int(min), "max": .int(max)])
    }
    public static var experimentArmNameTaken: CodedMessage { CodedMessage(.experimentArmNameTaken) }
    public static var experimentLink: CodedMessage { CodedMessage(.experimentLink) }
    public static func experimentArmPosts(min: Int, max: Int) -> CodedMessage {
        CodedMessage(.experimentArmPosts, ["min": .int(min), "max": .int(max)])
    }
    public static var experimentAudience: CodedMessage { CodedMessage(.experimentAudience) }

    // Incidents (issue 20)
    public static func statementBlocked(term: String) -> CodedMessage { CodedMessage(.statementBlocked, ["term": .text(term)]) }
    public static var workspaceMember: CodedMessage { CodedMessage(.workspaceMember) }

    // Goals (issue 21)
    public static var goalTargetAboveZero: CodedMessage { CodedMessage(.goalTargetAboveZero) }
    public static var goalRatioTarget: CodedMessage { CodedMessage(.goalRatioTarget) }
    public static var goalIncreasePercent: CodedMessage { CodedMessage(.goalIncreasePercent) }
    public static func goalDeadlineAfterStart(start: String) -> CodedMessage { CodedMessage(.goalDeadlineAfterStart, ["start": .text(start)]) }
    public static func goalSpanAtMost(days: Int, max: Int) -> CodedMessage { CodedMessage(.goalSpanAtMost, ["days": .int(days), "max": .int(max)]) }
    public static func goalMonthWeights(months: Int) -> CodedMessage { CodedMessage(.goalMonthWeights, ["months": .int(months)]) }
    public static var goalTolerance: CodedMessage { CodedMessage(.goalTolerance) }
    public static func campaignLoop(tasks: [String]) -> CodedMessage { CodedMessage(.campaignLoop, ["tasks": .list(tasks)]) }
    public static func campaignLoopThroughLaunch(tasks: [String]) -> CodedMessage {
        CodedMessage(.campaignLoopThroughLaunch, ["tasks": .list(tasks)])
    }
    public static var campaignSelfDependency: CodedMessage { CodedMessage(.campaignSelfDependency) }
    public static var campaignDependencyExists: CodedMessage { CodedMessage(.campaignDependencyExists) }
    public static var campaignOneAccountable: CodedMessage { CodedMessage(.campaignOneAccountable) }

    // Risks (issue 22)
    public static var riskScale: CodedMessage { CodedMessage(.riskScale) }
    public static var riskWorkspaceIncident: CodedMessage { CodedMessage(.riskWorkspaceIncident) }
    public static var riskWorkspaceMonitor: CodedMessage { CodedMessage(.riskWorkspaceMonitor) }
    public static func budgetYuan(value: String) -> CodedMessage { CodedMessage(.budgetYuan, ["value": .text(value)]) }
    public static func budgetMonth(value: String) -> CodedMessage { CodedMessage(.budgetMonth, ["value": .text(value)]) }
    public static func budgetShare(min: String, max: String) -> CodedMessage { CodedMessage(.budgetShare, ["min": .text(min), "max": .text(max)]) }
    public static var budgetRatio: CodedMessage { CodedMessage(.budgetRatio) }
    public static func budgetCsvHeader(columns: String) -> CodedMessage { CodedMessage(.budgetCsvHeader, ["columns": .text(columns)]) }
    public static var budgetLineUnknown: CodedMessage { CodedMessage(.budgetLineUnknown) }
    public static var budgetChannelTaken: CodedMessage { CodedMessage(.budgetChannelTaken) }
    public static var budgetSpendDecided: CodedMessage { CodedMessage(.budgetSpendDecided) }
}
