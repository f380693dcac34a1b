import { Module } from '@nestjs/common';
import { DecisionsModule } from '../decisions/decisions.module';
import { TransactionsConsumer } from './transactions.consumer';

@Module({ imports: [DecisionsModule], providers: [TransactionsConsumer] })
export class StreamModule {}
