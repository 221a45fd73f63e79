export {
  DEFAULT_FALSE_SHARE,
  findingIsValid,
  openQuestion,
  parseQuizMarker,
  quizBank,
  quizFinding,
  quizMarker,
  yesNoQuestion,
  type OpenQuestion,
  type QuizBank,
  type QuizFinding,
  type QuizKind,
  type QuizQuestion,
  type YesNoQuestion,
} from './bank';
export { quizAnswer, validateQuizKnobs, TRAP_SHARE, type QuizKnobs, type QuizReply, type QuizRequest } from './answer';
