// The rows are worded in shared/common, so that an exported report says what the app shows.
export { verifyRows, type AttemptsSummary, type VerifyRow } from '../../shared/common/report/verify-rows';
